//! halite-grains (skeleton)
