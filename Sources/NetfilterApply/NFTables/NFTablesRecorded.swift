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
        var objects: [NFTablesTypedDigest.Object] = []
        objects.reserveCapacity(1 + new.chains.count + new.sets.count + new.maps.count)
        var added: [NFTablesTypedDigest.Object] = []
        func pair(_ object: NFTablesTypedDigest.Object, with oldObject: NFTablesTypedDigest.Object?) {
            objects.append(object)
            if let oldObject, oldObject.id == object.id, oldObject.digest == object.digest { return }
            if let oldObject { removed.append((oldObject.id, oldObject.digest)) }
            added.append(object)
        }
        pair(NFTablesTypedDigest.tableObject(new, family: family), with: previous.objects[0])
        func kind<T>(_ kind: NFTablesTypedDigest.Kind, _ list: [T], _ matching: NameMatching, offset: Int,
                     name: (T) -> ChainName, digest: (T) -> UInt64) {
            var differing = matching.differing[...]
            for (position, object) in list.enumerated() {
                let oldObject = matching.old[position].map { previous.objects[offset + $0] }
                if differing.first == position {
                    differing.removeFirst()
                    pair(NFTablesTypedDigest.Object(kind: kind, index: position,
                                                    id: NFTablesTypedDigest.id(family, new.name, kind, name(object)),
                                                    digest: digest(object)), with: oldObject)
                } else if let oldObject {
                    // Equal to its old one, so of the same digest.
                    objects.append(NFTablesTypedDigest.Object(kind: kind, index: position, id: oldObject.id, digest: oldObject.digest))
                }
            }
            for gone in matching.gone {
                let oldObject = previous.objects[offset + gone]
                removed.append((oldObject.id, oldObject.digest))
            }
        }
        kind(.chain, new.chains, difference.chains, offset: 1, name: \.name, digest: NFTablesTypedDigest.digest(of:))
        kind(.set, new.sets, difference.sets, offset: 1 + old.chains.count, name: \.name, digest: NFTablesTypedDigest.digest(of:))
        kind(.map, new.maps, difference.maps, offset: 1 + old.chains.count + old.sets.count, name: \.name,
             digest: NFTablesTypedDigest.digest(of:))
        guard objects.count == 1 + new.chains.count + new.sets.count + new.maps.count else { return nil }
        return (NFTablesTypedDigest.TableDigests(key: wanted.key, family: wanted.family, table: new, objects: objects), added)
    }
}
