/// Reads `metadata`: name, namespace (defaulted to `default` for namespaced kinds), labels
/// and annotations.
enum MetadataDecoder {
    /// Name and namespace without validation, to name the object in errors about any field.
    static func identity(of root: YAMLMapping, kind: String, namespaced: Bool) -> ObjectID {
        let metadata = (try? root.mapping("metadata")) ?? nil
        let name = ((try? metadata?.string("name")) ?? nil) ?? "(unnamed)"
        var namespace: String? = nil
        if namespaced { namespace = ((try? metadata?.string("namespace")) ?? nil) ?? "default" }
        return ObjectID(kind: kind, namespace: namespace, name: name)
    }

    static func decode(_ root: YAMLMapping, namespaced: Bool, nameRule: (String) -> String?) throws -> ObjectMeta {
        // `root.mapping` names the field in its own errors; only what follows needs the prefix.
        guard let metadata = try root.mapping("metadata") else {
            throw FieldError("required value is missing", at: root.mark).at(["metadata"])
        }
        return try within("metadata") {
            let name = try metadata.required("name") { try metadata.string($0) }
            try within("name") { try checkName(name, nameRule, at: metadata["name"]?.mark) }
            var namespace = ""
            if namespaced {
                // An empty namespace is the default one, as kubectl and the API server read it.
                namespace = try metadata.string("namespace") ?? ""
                if namespace.isEmpty { namespace = "default" }
                try within("namespace") {
                    try checkName(namespace, { NameRules.dns1123LabelProblem($0) }, at: metadata["namespace"]?.mark)
                }
            }
            return ObjectMeta(name: name, namespace: namespace, labels: try metadata.labels("labels"),
                              annotations: try metadata.stringMap("annotations"))
        }
    }
}
