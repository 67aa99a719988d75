//! halite-target (skeleton)
