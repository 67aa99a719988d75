//! halite-master (skeleton)
