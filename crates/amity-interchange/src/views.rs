//! The lossless CSV views.
