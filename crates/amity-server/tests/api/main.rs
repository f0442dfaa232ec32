//! The HTTP API end to end, in process: every route's status codes and JSON shapes (against
//! the published schemas in `docs/schemas/`), the token guard, the bounds, the ETags, and the
//! OpenAPI document.

mod openapi;
mod reads;
mod support;
mod writes;
