//! halite-yaml (skeleton)
