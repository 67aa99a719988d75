//! halite-minion (skeleton)
