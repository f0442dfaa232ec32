//! Tests of `checkpoint`.
use super::*;
