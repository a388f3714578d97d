package event

import "testing"

// TestLineCounter checks the counter against lineCol, which counts from
// the start of the text, for offsets that grow, repeat and go back.
func TestLineCounter(t *testing.T) {
	text := []byte("[\n{\"a\":1},\n\n  {\"b\":2}\r\n,3]\n")
	offsets := []int{0, 1, 2, 2, 11, 12, 5, len(text) - 1, len(text), len(text) + 5}
	var c lineCounter
	for _, off := range offsets {
		want, _ := lineCol(text, off)
		if got := c.lineAt(text, off); got != want {
			t.Errorf("lineAt(%d) = %d, lineCol says %d", off, got, want)
		}
	}
}
