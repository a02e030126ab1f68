#if canImport(Glibc)
import Glibc
#endif
import ClusterState
import IPTablesText
import NFTText
import PacketPath
import TextOutput
import Yams

/// `packetpath-bench` — the measurements behind scripts/bench.
///
///   packetpath-bench compile N             compile N services × 10 endpoints, in memory, to text
///   packetpath-bench nft-compile N         the same for kube-proxy's nftables layout (nft -f text),
///                                          with the model → text step timed on its own
///   packetpath-bench generate N FILE       write the same cluster as YAML manifests
///   packetpath-bench generate-json N FILE  the same cluster as one JSON List (`kubectl get -o json`)
///   packetpath-bench yaml-parse FILE       parse FILE with Yams only (the composer the front end replaced)
///   packetpath-bench load FILE             read and decode FILE in this process (the front end alone)
///   packetpath-bench run-cli BINARY FILE [RUNS]
///                                          run `BINARY compile FILE` RUNS times (default 1), each
///                                          after a 3 s pause: median wall and CPU time, largest
///                                          peak RSS
///   packetpath-bench policies 0            1,000 policies over 10,000 pods in 100 namespaces
///   packetpath-bench apply N               netlink apply vs iptables-restore of N services × 10 (root)
///   packetpath-bench netlink N             the netlink part of `apply` only (for profiling)
///   packetpath-bench incremental N         +1 endpoint, +1 Service over netlink vs iptables-restore --noflush (root)
///   packetpath-bench cli-incremental N BINARY [RUNS]
///                                          `BINARY apply` processes: +1 endpoint, +1 Service after a
///                                          full apply, both layouts, medians of RUNS rounds (root)
///   packetpath-bench nft-apply N [one|native]
///                                          native nftables apply (staged) vs nft -f in batches of 500
///                                          Services (and, with `one`, in one transaction; with
///                                          `native`, no nft -f) (root)
///   packetpath-bench connect-latency N [CONNECTS]
///                                          median first-connect time to the last Service's ClusterIP,
///                                          nftables and iptables layouts, against the direct path in
///                                          alternating rounds with each layout loaded (root)
///   packetpath-bench staged-load-connects N
///                                          connections to a programmed Service during an N-Service
///                                          staged nftables load, and how many failed (root)
///   packetpath-bench nft-readback N        netlink read-back of that table (desired sets known) vs nft list table (root)
///   packetpath-bench watch N               file written → commit through the apply --watch watcher (root)
///   packetpath-bench profile N [RUNS]      compile to text RUNS times, printing each run's time
///                                          window (CLOCK_MONOTONIC) for `perf script --time`
///   PACKETPATH_BENCH_MALLOC=default        glibc's allocator defaults instead of the command's
let arguments = CommandLine.arguments
func fail(_ message: String) -> Never {
    let line = "packetpath-bench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
// The allocator setting the `packetpath` command makes, unless the run asks for glibc's
// defaults (scripts/bench measures (a) both ways).
let allocator = getenv("PACKETPATH_BENCH_MALLOC").map { String(cString: $0) } == "default"
    ? "default" : (ProcessMemory.keepFreedMemoryForReuse() ? "reuse" : "default")
guard arguments.count >= 3 else { fail("usage: compile N | generate N FILE | yaml-parse FILE | run-cli BINARY FILE | policies 0") }

switch arguments[1] {
case "compile":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    let state = SyntheticCluster.state(services: count)
    var bytes = 0
    var lines = 0
    var totals: [Double] = []
    var ruleTimes: [Double] = []
    var teardowns: [Double] = []
    var cpuTimes: [Double] = []
    // One warm-up run, then the median of five. Freeing the rule model and the text is timed
    // apart (the variables are emptied explicitly, or ARC would free them inside the timing
    // right after their last use): it is not compiling, and the CLI leaves it to process exit.
    for _ in 0..<6 {
        let cpuStart = Measure.processCPU()
        let start = Measure.now()
        var rulesets = Pipeline.compileServices(state, families: [.ipv4])
        let compiled = Measure.now()
        var texts = try Pipeline.iptablesText(rulesets)
        totals.append(Measure.now() - start)
        cpuTimes.append(Measure.processCPU() - cpuStart)
        ruleTimes.append(compiled - start)
        bytes = texts[0].text.count
        lines = countLines(texts[0].text)
        let freeing = Measure.now()
        rulesets = []
        texts = []
        teardowns.append(Measure.now() - freeing)
    }
    func median(_ values: [Double]) -> Double { values.dropFirst().sorted()[2] }
    print("compile services=\(count) seconds=\(median(totals)) rules_seconds=\(median(ruleTimes)) free_seconds=\(median(teardowns)) cpu_seconds=\(median(cpuTimes)) allocator=\(allocator) peak_mb=\(Measure.peakRSSOfSelf()) lines=\(lines) bytes=\(bytes)")
case "nft-compile":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    let state = SyntheticCluster.state(services: count)
    var bytes = 0
    var lines = 0
    var totals: [Double] = []
    var printTimes: [Double] = []
    // As `compile`: one warm-up run, the median of five, freeing timed apart.
    for _ in 0..<6 {
        let start = Measure.now()
        var rulesets = Pipeline.compileNFTables(state, families: [.ipv4])
        let compiled = Measure.now()
        var texts = try Pipeline.nftText(rulesets)
        let printed = Measure.now()
        totals.append(printed - start)
        printTimes.append(printed - compiled)
        bytes = texts[0].text.count
        lines = countLines(texts[0].text)
        rulesets = []
        texts = []
    }
    func median(_ values: [Double]) -> Double { values.dropFirst().sorted()[2] }
    print("nft-compile services=\(count) seconds=\(median(totals)) print_seconds=\(median(printTimes)) allocator=\(allocator) peak_mb=\(Measure.peakRSSOfSelf()) lines=\(lines) bytes=\(bytes)")
case "phases":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    let state = SyntheticCluster.state(services: count)
    for _ in 0..<3 {
        let t0 = Measure.now()
        let rulesets = Pipeline.compileServices(state, families: [.ipv4])
        let t1 = Measure.now()
        let text = try IPTablesTextWriter().bytes(rulesets[0])
        let t2 = Measure.now()
        // Printed after the timing, so ARC does not free the rules inside it.
        print("rules=\(t1 - t0) print=\(t2 - t1) bytes=\(text.count) chains=\(rulesets[0].tables[1].chains.count)")
    }
case "profile":
    // Compile and print RUNS times (five unless given), keeping every result until its
    // window closes: a profile of the windows shows the work the `compile` figures time,
    // without the teardown they time apart.
    let state = SyntheticCluster.state(services: Int(arguments[2])!)
    var windows: [String] = []
    for _ in 0..<(arguments.count > 3 ? Int(arguments[3])! : 5) {
        let start = Measure.now()
        let rulesets = Pipeline.compileServices(state, families: [.ipv4])
        let texts = try Pipeline.iptablesText(rulesets)
        windows.append(String(format: "%.6f,%.6f", start, Measure.now()))
        // Freed only after the window closes.
        withExtendedLifetime((rulesets, texts)) {}
    }
    print(windows.joined(separator: " "))
case "rules-only":
    let state = SyntheticCluster.state(services: Int(arguments[2])!)
    for _ in 0..<5 { _ = Pipeline.compileServices(state, families: [.ipv4]) }
case "print-only":
    let state = SyntheticCluster.state(services: Int(arguments[2])!)
    let rulesets = Pipeline.compileServices(state, families: [.ipv4])
    for threads in [1, 2, 1, 2, 1, 2, 1, 2] {
        let start = Measure.now()
        let text = try IPTablesTextWriter(threads: threads).printed(rulesets[0])
        print("print threads=\(threads) seconds=\(Measure.now() - start) bytes=\(text.count) faults=\(Measure.minorFaults())")
    }
case "nft-print-only":
    // The nftables printer alone, repeatedly, on one model (for profiling it).
    let state = SyntheticCluster.state(services: Int(arguments[2])!)
    let rulesets = Pipeline.compileNFTables(state, families: [.ipv4])
    for threads in [1, 2, 1, 2, 1, 2, 1, 2] {
        let (start, cpuStart) = (Measure.now(), Measure.processCPU())
        let text = try NFTTextWriter(threads: threads).printed(rulesets[0])
        print("nft-print threads=\(threads) seconds=\(Measure.now() - start) cpu_seconds=\(Measure.processCPU() - cpuStart) bytes=\(text.count)")
    }
case "policies":
    let state = SyntheticPolicies.state()
    var rules = 0
    var bytes = 0
    let compile = Measure.median(runs: 3) {
        rules = Pipeline.compile(state, families: [.ipv4])[0].ruleCount
    }
    let toText = try Measure.median(runs: 3) {
        bytes = try Pipeline.iptablesText(Pipeline.compile(state, families: [.ipv4]))[0].text.count
    }
    print("policies pods=\(state.pods.count) policies=\(state.networkPolicies.count) compile_seconds=\(compile) text_seconds=\(toText) rules=\(rules) bytes=\(bytes) peak_mb=\(Measure.peakRSSOfSelf())")
case "generate":
    guard let count = Int(arguments[2]), arguments.count >= 4 else { fail("generate N FILE") }
    let text = SyntheticCluster.yaml(services: count)
    guard let file = fopen(arguments[3], "w") else { fail("cannot write \(arguments[3])") }
    fputs(text, file)
    fclose(file)
case "generate-json":
    guard let count = Int(arguments[2]), arguments.count >= 4 else { fail("generate-json N FILE") }
    let text = SyntheticCluster.json(services: count)
    guard let file = fopen(arguments[3], "w") else { fail("cannot write \(arguments[3])") }
    fputs(text, file)
    fclose(file)
case "load":
    let start = Measure.now()
    let loaded = try ManifestLoader.load(paths: [arguments[2]])
    print("load services=\(loaded.state.services.count) seconds=\(Measure.now() - start) peak_mb=\(Measure.peakRSSOfSelf())")
case "yaml-parse":
    let source = try ManifestLoader.readSource(arguments[2])
    let start = Measure.now()
    let parser = try Parser(yaml: source.text, resolver: .basic)
    var documents = 0
    while try parser.nextRoot() != nil { documents += 1 }
    print("yaml-parse documents=\(documents) seconds=\(Measure.now() - start) peak_mb=\(Measure.peakRSSOfSelf())")
case "run-cli":
    guard arguments.count >= 4 else { fail("run-cli BINARY FILE [RUNS]") }
    let runs = arguments.count >= 5 ? Int(arguments[4]) ?? 1 : 1
    var results: [(seconds: Double, cpuSeconds: Double, peakMB: Double, status: Int32)] = []
    for _ in 0..<max(1, runs) {
        // As a user's single run starts: on this project's virtual machines the guest hands
        // free memory back to the host within seconds, and a run that follows another
        // at once reuses the memory it freed, which is much cheaper to touch again.
        sleep(3)
        let result = try Measure.command([arguments[2], "compile", arguments[3]])
        guard result.status == 0 else { fail("compile exited with \(result.status)") }
        results.append(result)
    }
    let median = { (values: [Double]) in values.sorted()[values.count / 2] }
    print("run-cli seconds=\(median(results.map(\.seconds))) cpu_seconds=\(median(results.map(\.cpuSeconds)))",
          "peak_mb=\(results.map(\.peakMB).max()!)")
case "apply":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try ApplyBenchmark.run(services: count))
case "incremental":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try IncrementalBenchmark.run(services: count))
case "cli-incremental":
    guard let count = Int(arguments[2]), arguments.count >= 4 else { fail("cli-incremental N BINARY [RUNS]") }
    let runs = arguments.count > 4 ? Int(arguments[4]) : 3
    guard let runs, runs > 0 else { fail("RUNS must be a positive number") }
    print(try CLIIncrementalBenchmark.run(services: count, cli: arguments[3], runs: runs))
case "nft-apply":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try NFTApplyBenchmark.run(services: count, oneTransaction: arguments.count > 3 && arguments[3] == "one",
                                    nativeOnly: arguments.count > 3 && arguments[3] == "native"))
case "connect-latency":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    let connects = arguments.count > 3 ? Int(arguments[3]) : 500
    guard let connects, connects > 0 else { fail("CONNECTS must be a positive number") }
    print(try ConnectLatencyBenchmark.run(services: count, connects: connects))
case "staged-load-connects":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try StagedLoadConnectsBenchmark.run(services: count))
case "nft-incremental":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try NFTIncrementalBenchmark.run(services: count))
case "nft-readback":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try NFTReadBackBenchmark.run(services: count))
case "nft-readback-parts":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try NFTReadBackPartsBenchmark.run(services: count))
case "watch":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try WatchBenchmark.run(services: count))
case "netlink":
    guard let count = Int(arguments[2]) else { fail("N must be a number") }
    print(try ApplyBenchmark.run(services: count, withRestore: false))
default:
    fail("unknown command \(arguments[1])")
}

/// Newlines in `text` (a free function: closures in top-level code pay main-actor checks).
func countLines(_ text: PrintedText) -> Int {
    var count = 0
    for chunk in text.chunks {
        chunk.withUnsafeBytes { bytes in
            for byte in bytes where byte == 10 { count += 1 }
        }
    }
    return count
}
