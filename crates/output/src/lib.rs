//! halite-output (skeleton)
