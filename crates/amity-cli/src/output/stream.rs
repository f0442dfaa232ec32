//! Long JSON lists written as they are formatted, on two threads at once.

use std::io::Write;

use anyhow::Result;

/// Bytes gathered before a write.
pub(super) const BUFFER: usize = 1 << 16;

/// `items` as compact JSON followed by a line break, as `serde_json` writes them: the second
/// half is formatted on a thread of its own while the first half is written.
pub(super) fn json_list<T: serde::Serialize + Sync>(
    items: &[T],
    out: &mut dyn Write,
) -> Result<()> {
    let (first, second) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| -> Result<()> {
        let later = scope.spawn(|| -> serde_json::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            for item in second {
                bytes.push(b',');
                serde_json::to_writer(&mut bytes, item)?;
            }
            Ok(bytes)
        });
        out.write_all(b"[")?;
        for (index, item) in first.iter().enumerate() {
            if index > 0 {
                out.write_all(b",")?;
            }
            // As an I/O error: a closed pipe is then told apart (`exit::is_broken_pipe`).
            serde_json::to_writer(&mut *out, item).map_err(std::io::Error::from)?;
        }
        let mut second = later
            .join()
            .expect("the formatting thread does not panic")?;
        if first.is_empty() {
            // No item before the first of the second half: no comma before it either.
            second.drain(..usize::from(!second.is_empty()));
        }
        out.write_all(&second)?;
        out.write_all(b"]\n")?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// A pipe whose reader goes away after reading `.0` more bytes.
    struct Closing(usize);

    impl std::io::Write for Closing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let taken = bytes.len().min(self.0);
            self.0 -= taken;
            Ok(taken)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Writing into a closed pipe fails with the I/O error itself, which `exit::is_broken_pipe`
    /// recognises (a JSON error wrapping it would not be).
    #[test]
    fn a_closed_pipe_is_an_io_error() {
        let items: Vec<u32> = (0..2_000).collect();
        // Gone before the list begins, and within an item.
        for read in [0, 100] {
            let error = super::json_list(&items, &mut Closing(read)).unwrap_err();
            let io = error
                .downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind);
            assert_eq!(io, Some(std::io::ErrorKind::BrokenPipe), "{error:?}");
        }
    }

    proptest! {
        /// The list written in halves is byte for byte `serde_json`'s compact list, then a line
        /// break, whatever its length.
        #[test]
        fn json_in_halves_is_serde_jsons(items in proptest::collection::vec(
            (any::<u32>(), ".{0,8}", proptest::option::of(any::<bool>())), 0..40)) {
            let mut written = Vec::new();
            super::json_list(&items, &mut written).unwrap();
            let mut expected = serde_json::to_vec(&items).unwrap();
            expected.push(b'\n');
            prop_assert_eq!(written, expected);
        }
    }
}
