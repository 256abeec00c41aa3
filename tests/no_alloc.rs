//! The check path allocates nothing: counted with a global allocator, on this thread only.
#![allow(unsafe_code, clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: defers to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn can_and_can_ids_do_not_allocate() {
    let file = common::conformance_dir().join("generated/medium-1.queries.json");
    let (policy, now, queries) = common::queries(&file);
    let engine = common::engine_for(&policy, now);
    let before = allocations();
    let mut allowed = 0;
    for q in &queries {
        allowed += usize::from(engine.can(&q.subject, &q.permission, q.scope.as_deref(), now));
    }
    assert_eq!(allocations(), before, "can() allocated");
    let ids: Vec<(u32, u32, u32)> = queries
        .iter()
        .filter_map(|q| {
            Some((
                engine.subject_id(&q.subject)?,
                engine.permission_id(&q.permission)?,
                engine.scope_id(q.scope.as_deref())?,
            ))
        })
        .collect();
    let before_ids = allocations();
    for &(s, p, sc) in &ids {
        allowed += usize::from(engine.can_ids(s, p, sc, now));
    }
    let after = allocations();
    assert_eq!(after, before_ids, "can_ids() allocated");
    assert!(allowed > 1000);
}
