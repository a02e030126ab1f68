// Placeholder so the package builds before the real tests of this target land on main.
