//! Mounts the Gridshare app; everything else lives in the library.
fn main() {
    app::start();
}
