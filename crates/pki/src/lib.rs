//! halite-pki (skeleton)
