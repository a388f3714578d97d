package dashboard

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
)

// table is a CSV download: a header row and data rows. Numbers are plain
// (a dot for decimals) so that any tool reads them the same; the header
// is in the request's language.
type table struct {
	header []string
	rows   [][]string
}

// writeCSV sends t as an RFC 4180 CSV attachment, UTF-8 with a byte order
// mark so that spreadsheet programs read æ, ø and å right.
func writeCSV(w http.ResponseWriter, name string, t table) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".csv"))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write(t.header)
	_ = cw.WriteAll(t.rows)
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func optNum(f *float64) string {
	if f == nil {
		return ""
	}
	return num(*f)
}

func indicatorsCSV(l loc, ps []ProjectSummary) table {
	t := table{header: []string{"project", "indicator", "code", l.T("col.indicator"), l.T("col.unit"), l.T("col.value"), l.T("col.target"),
		l.T("col.percent"), l.T("col.expected"), l.T("col.status"), l.T("col.forecast"), l.T("col.reach"), l.T("col.source")}}
	for _, p := range ps {
		for _, v := range p.Indicators {
			t.rows = append(t.rows, []string{p.ID, v.ID, v.Code, v.Name, v.Unit, num(v.Value), num(v.Target), num(v.Percent),
				num(v.Expected), v.Status, optNum(v.Forecast), v.ReachDate, v.Source.Title})
		}
	}
	return t
}

func burnupCSV(l loc, d IndicatorDetail) table {
	t := table{header: []string{"month", l.T("dim.month"), "day", l.T("chart.actual"), l.T("chart.plan"), l.T("chart.forecast"), l.T("chart.target")}}
	for _, m := range d.Months {
		t.rows = append(t.rows, []string{m.Month, m.Label, m.End, optNum(m.Value), num(m.Plan), optNum(m.Forecast), num(d.Target)})
	}
	return t
}

func eachCSV(l loc, e *EachView) table {
	t := table{header: []string{e.By, e.ByLabel, l.T("dim.year"), l.T("col.count"), "state", l.T("col.status")}}
	for _, r := range e.Rows {
		for _, c := range r.Cells {
			t.rows = append(t.rows, []string{r.Group, r.Label, strconv.Itoa(c.Year), num(c.Count), c.State, c.StateLabel})
		}
	}
	return t
}

func breakdownCSV(l loc, v BreakdownView) table {
	t := table{header: []string{v.By, v.ByLabel, v.Unit}}
	for _, g := range v.Groups {
		t.rows = append(t.rows, []string{g.Key, g.Label, num(g.Value)})
	}
	return t
}

func funnelCSV(l loc, v FunnelView) table {
	t := table{header: []string{"step", l.T("funnel.stage"), l.T("funnel.people"), l.T("funnel.share"), l.T("funnel.all")}}
	for _, s := range v.Stages {
		t.rows = append(t.rows, []string{s.Key, s.Label, strconv.FormatUint(s.People, 10), num(s.Share), strconv.FormatUint(s.All, 10)})
	}
	return t
}

func openCSV(l loc, v VacanciesView) table {
	t := table{header: []string{"isco", l.T("dim.occupation")}}
	for _, c := range v.Countries {
		t.header = append(t.header, l.T("vac.positions")+" "+c.Key)
	}
	t.header = append(t.header, l.T("total"))
	for _, r := range append(v.Open, v.OpenTotal) {
		row := []string{r.ISCO, r.Label}
		for _, c := range v.Countries {
			row = append(row, strconv.FormatUint(r.Positions[c.Key], 10))
		}
		t.rows = append(t.rows, append(row, strconv.FormatUint(r.Total, 10)))
	}
	return t
}

func ttfCSV(l loc, rows []TTFRow, dim string) table {
	t := table{header: []string{"key", l.T(dim), l.T("vac.days"), l.T("vac.filled")}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{r.Key, r.Label, num(r.MeanDays), strconv.FormatUint(r.Filled, 10)})
	}
	return t
}

func balanceISCOCSV(l loc, v BalanceView) table {
	t := table{header: []string{"isco", l.T("dim.occupation"), v.Columns.OpenDK, v.Columns.OpenSE, v.Columns.PlacedSEDK, v.Columns.PlacedDKSE}}
	for _, r := range append(v.ByISCO, v.TotalISCO) {
		t.rows = append(t.rows, []string{r.Key, r.Label, strconv.FormatUint(r.OpenDK, 10), strconv.FormatUint(r.OpenSE, 10), num(r.PlacedSEDK), num(r.PlacedDKSE)})
	}
	return t
}

func balanceSectorCSV(l loc, v BalanceView) table {
	t := table{header: []string{"sector", l.T("dim.sector"), v.Columns.OpenDK, v.Columns.LookingSE, v.Columns.OpenSE, v.Columns.LookingDK}}
	for _, r := range v.BySector {
		t.rows = append(t.rows, []string{r.Key, r.Label, strconv.FormatUint(r.OpenDK, 10), num(r.LookingSE), strconv.FormatUint(r.OpenSE, 10), num(r.LookingDK)})
	}
	return t
}
