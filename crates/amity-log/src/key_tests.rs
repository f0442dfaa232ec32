//! Tests of `key`.
use super::*;
