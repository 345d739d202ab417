//! How a product's output is cut into work items for the pool: blocks of
//! rows and, when there are too few of those to keep every thread busy (one
//! request's tokens), runs of column panels too. Each part then packs or
//! converts its rows again, which is cheap for so few rows.

use std::ops::Range;

/// Work items below which the rows are split by columns too.
const MIN_ITEMS: usize = 8;

pub(crate) struct Split {
    rows: usize,
    block_rows: usize,
    row_blocks: usize,
    panels: usize,
    column_parts: usize,
    panels_per_part: usize,
}

impl Split {
    /// `batch` products of `rows` rows and `panels` column panels each,
    /// rows taken `block_rows` at a time.
    pub(crate) fn new(batch: usize, rows: usize, block_rows: usize, panels: usize) -> Self {
        let row_blocks = rows.div_ceil(block_rows);
        let column_parts = (MIN_ITEMS / (batch * row_blocks).max(1)).clamp(1, panels.max(1));
        Self { rows, block_rows, row_blocks, panels, column_parts, panels_per_part: panels.div_ceil(column_parts) }
    }

    /// Work items per product.
    pub(crate) fn items_per_product(&self) -> usize {
        self.row_blocks * self.column_parts
    }

    /// Item `item`'s product, rows and column panels.
    pub(crate) fn item(&self, item: usize) -> (usize, Range<usize>, Range<usize>) {
        let per_product = self.items_per_product();
        let (product, block, part) = (item / per_product, item / self.column_parts % self.row_blocks, item % self.column_parts);
        let first = block * self.block_rows;
        let panels = part * self.panels_per_part..((part + 1) * self.panels_per_part).min(self.panels);
        (product, first..(first + self.block_rows).min(self.rows), panels)
    }
}
