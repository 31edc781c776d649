//! `cargo bench -p oss-sse-hyper --bench listing_mimalloc`: the listing bench (`listing.rs`)
//! with mimalloc as the global allocator of the client and of the emulator it starts.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "listing.rs"]
mod listing;

fn main() {
    listing::run("mimalloc");
}
