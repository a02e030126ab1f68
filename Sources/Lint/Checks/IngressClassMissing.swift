import ClusterState
import ServiceNames

/// An Ingress no controller takes: its `ingressClassName` names no IngressClass of the input,
/// or it names none and no class is marked default. Judged only when the input holds
/// IngressClasses; without any, an info says the classes were not checked (they are often
/// simply left out of an export).
public struct IngressClassMissing: LintCheck {
    public let id = "ingress-class"
    public init() {}

    public func findings(in context: LintContext) -> [Finding] {
        let classes = context.state.ingressClasses
        guard !classes.isEmpty else {
            guard !context.state.ingresses.isEmpty else { return [] }
            return [Finding(.info, check: id, object: nil, location: nil, field: "",
                            message: "the input has no IngressClass, so the Ingresses' classes were not checked",
                            hint: "add them (kubectl get ingressclasses -o yaml) to check them")]
        }
        let names = classes.map(\.metadata.name)
        return context.state.ingresses.compactMap { ingress in
            guard let name = ingress.ingressClassName else {
                guard !classes.contains(where: \.isDefault) else { return nil }
                return Finding(.warning, check: id, ingress: ingress, field: "spec.ingressClassName",
                               message: "names no IngressClass and none is marked default, so no controller may serve it",
                               hint: "set ingressClassName (\(names.joined(separator: ", "))), or annotate a class "
                                   + "\(IngressClass.defaultClassAnnotation): \"true\"")
            }
            guard !names.contains(name) else { return nil }
            let field = ingress.metadata.annotations[Ingress.classAnnotation] == name && !name.isEmpty
                ? "metadata.annotations.\(Ingress.classAnnotation)" : "spec.ingressClassName"
            let nearest = EditDistance.nearest(to: name, in: names)
            return Finding(.error, check: id, ingress: ingress, field: field,
                           message: "IngressClass \"\(name)\" does not exist (classes: \(names.joined(separator: ", "))), so no controller serves this Ingress",
                           hint: nearest.map { "did you mean \"\($0)\"?" } ?? "name one of the classes")
        }
    }
}
