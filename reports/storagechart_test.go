package reports

import (
	"strings"
	"testing"

	"github.com/capsim/capsim/sim"
)

// TestStorageChartMarksWatermarkAndRetention (issue 10): the storage chart draws the limit the
// capacity rule uses — each disk's watermark and the retention day — so a reader sees why a
// tier whose disks are not yet full still cannot retain its design load. A node filling 100 GB
// a day on a 2 TB disk reaches the 85 % watermark on day 17, before 30 days.
func TestStorageChartMarksWatermarkAndRetention(t *testing.T) {
	r := &sim.Result{Storage: &sim.StorageResult{RetentionDays: 30, Watermark: 0.85,
		Nodes: []sim.NodeStorage{{Node: "search-1", BytesPerDay: 100e9, DiskBytes: 2e12, DaysUntilFull: 20}}}}
	f := storageChart(r)
	var labels []string
	for _, l := range f.Legend {
		labels = append(labels, l.Label)
	}
	all := strings.Join(labels, " | ")
	for _, want := range []string{"85 % watermark of 2 TB", "30 days retained", "disk size 2 TB"} {
		if !strings.Contains(all, want) {
			t.Errorf("legend %q lacks %q", all, want)
		}
	}
	if !strings.Contains(f.Caption, "watermark up to the retention day") {
		t.Errorf("caption %q does not say how to read the limit", f.Caption)
	}
	r.Storage.Watermark, r.Storage.RetentionDays = 0, 0
	f = storageChart(r)
	for _, l := range f.Legend {
		if strings.Contains(l.Label, "watermark") || strings.Contains(l.Label, "retained") {
			t.Errorf("a result without watermark or retention draws %q", l.Label)
		}
	}
}
