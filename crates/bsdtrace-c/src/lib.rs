//! C face (to be built).
