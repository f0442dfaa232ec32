//! Tests of `canonical`.
use super::*;
