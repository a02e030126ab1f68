import NetfilterNetlink
import RuleModel

/// The digest record (`NFTablesDigestRecord`) as PacketPath's own last commit left it, when
/// that commit is known to have left it exactly so: the digests of the typed tables it
/// committed, in order (aligned with `NFTablesRemembered.rulesets`), and their fingerprint.
/// The record's state names the generation that commit produced (`NFTablesRemembered`'s).
///
/// A remembering applier (`apply --watch`) updates the record from this in the same
/// transaction as each change planned from typed tables (`NFTablesTypedChange`): the elements
/// of the chains, sets and maps that differ are replaced and the state moves to the
/// generation the commit produces, so a fresh process plans from the record afterwards. The
/// commit is guarded by the generation this knowledge is valid at: if anyone else committed,
/// nothing is sent, and a record left by an earlier commit names a generation that is no
/// longer the kernel's, so no apply trusts it.
struct NFTablesRecorded: Sendable {
    let tables: [NFTablesTypedDigest.TableDigests]
    let fingerprint: UInt64

    /// The record after the typed change `planned` (planned from the tables this records),
    /// and the operations turning the kernel's record into it, whose state then names
    /// `next`; nil when the change does not pair with these tables (the record is then left
    /// as it is, and its generation tells every apply it is stale).
    func updated(by planned: NFTablesTypedChange.Planned, generation: UInt32,
                 next: UInt32) -> (recorded: NFTablesRecorded, operations: [KernelOperation])? {
        var tables: [NFTablesTypedDigest.TableDigests] = []
        var removed: [(id: UInt64, digest: UInt64)] = []
        var added: [(NFTablesTypedDigest.TableDigests, NFTablesTypedDigest.Object)] = []
        for (wanted, difference) in planned.tables {
            guard let previous = self.tables.first(where: { $0.key == wanted.key }),
                  let table = Self.digests(of: wanted, after: previous, difference, removed: &removed) else { return nil }
            tables.append(table.digests)
            added += table.added.map { (table.digests, $0) }
        }
        guard tables.count == self.tables.count else { return nil }
        let fingerprint = NFTablesTypedDigest.fingerprint(tables)
        let operations = NFTablesDigestRecord.update(removing: removed, adding: added,
                                                     from: (generation, self.fingerprint),
                                                     generation: next, fingerprint: fingerprint)
        return (NFTablesRecorded(tables: tables, fingerprint: fingerprint), operations)
    }

    /// The digests of `wanted`, paired with `previous` (those of the table `difference` was
    /// found against): an object paired with an equal one keeps its digest, unhashed, and
    /// only the new and changed ones are hashed. `removed` gains the elements of changed and
    /// gone objects; `added` lists the objects whose element is new.
    private static func digests(of wanted: NFTablesTypedChange.TypedTable, after previous: NFTablesTypedDigest.TableDigests,
                                _ difference: NFTablesTypedChange.Difference,
                                removed: inout [(id: UInt64, digest: UInt64)])
        -> (digests: NFTablesTypedDigest.TableDigests, added: [NFTablesTypedDigest.Object])? {
        let old = previous.table, new = wanted.table
        guard previous.objects.count == 1 + old.chains.count + old.sets.count + old.maps.count else { return nil }
        let family = wanted.key.family
        var pairing = Pairing(previous: previous.objects, family: family, table: new.name)
        pairing.objects.reserveCapacity(1 + new.chains.count + new.sets.count + new.maps.count)
        pairing.pair(NFTablesTypedDigest.tableObject(new, family: family), with: 0)
        pairing.pairAll(.chain, count: new.chains.count, difference.chains, offset: 1) {
            (new.chains[$0].name, NFTablesTypedDigest.digest(of: new.chains[$0]))
        }
        pairing.pairAll(.set, count: new.sets.count, difference.sets, offset: 1 + old.chains.count) {
            (new.sets[$0].name, NFTablesTypedDigest.digest(of: new.sets[$0]))
        }
        pairing.pairAll(.map, count: new.maps.count, difference.maps, offset: 1 + old.chains.count + old.sets.count) {
            (new.maps[$0].name, NFTablesTypedDigest.digest(of: new.maps[$0]))
        }
        guard pairing.objects.count == 1 + new.chains.count + new.sets.count + new.maps.count else { return nil }
        removed += pairing.removed
        return (NFTablesTypedDigest.TableDigests(key: wanted.key, family: wanted.family, table: new, objects: pairing.objects),
                pairing.added)
    }

    /// One table's new objects being paired with its previous ones.
    private struct Pairing {
        let previous: [NFTablesTypedDigest.Object]
        let family: NetfilterFamily
        let table: String
        var objects: [NFTablesTypedDigest.Object] = []
        var removed: [(id: UInt64, digest: UInt64)] = []
        var added: [NFTablesTypedDigest.Object] = []

        /// A new or changed object, with the index of its previous one when it had one.
        mutating func pair(_ object: NFTablesTypedDigest.Object, with oldIndex: Int?) {
            objects.append(object)
            guard let oldIndex else {
                added.append(object)
                return
            }
            let old = previous[oldIndex]
            if old.id == object.id && old.digest == object.digest { return }
            removed.append((old.id, old.digest))
            added.append(object)
        }

        /// One kind's objects, by position: only the new and changed ones are looked at (and
        /// hashed, by `made`); the others take their previous one's id and digest.
        mutating func pairAll(_ kind: NFTablesTypedDigest.Kind, count: Int, _ matching: NameMatching, offset: Int,
                              made: (Int) -> (name: ChainName, digest: UInt64)) {
            let differing = matching.differing
            var next = 0
            for position in 0..<count {
                let old = matching.old[position]
                if next < differing.count && differing[next] == position {
                    next += 1
                    let (name, digest) = made(position)
                    pair(NFTablesTypedDigest.Object(kind: kind, index: position, id: NFTablesTypedDigest.id(family, table, kind, name),
                                                    digest: digest),
                         with: old.map { offset + $0 })
                } else if let old {
                    // Equal to its old one, so of the same digest.
                    let object = previous[offset + old]
                    objects.append(NFTablesTypedDigest.Object(kind: kind, index: position, id: object.id, digest: object.digest))
                }
            }
            for gone in matching.gone {
                let object = previous[offset + gone]
                removed.append((object.id, object.digest))
            }
        }
    }
}
