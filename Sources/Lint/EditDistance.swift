import ServiceNames

/// The checks' "did you mean" distance lives with the name resolver, which gives the same hints.
typealias EditDistance = ServiceNames.EditDistance
