package plant

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Row is one row of a table as an insider reads it: each column's value as
// text, NULL told apart from "" (Valid false). A column missing from the map
// is NULL.
type Row map[string]sql.NullString

// AuditColumns names the columns the tells need to know the meaning of. A
// field left "" is guessed from the rows' column names (id, first_name or
// given_name, last_name or family_name, name, email, phone, created_at,
// ticket, city, state); a tell whose columns are missing is not measured.
type AuditColumns struct {
	ID, CreatedAt, Ticket                         string // the ordering columns
	GivenName, FamilyName, FullName, Email, Phone string
	City, State                                   string
}

// AuditOptions tunes Audit. The zero value is ready to use.
type AuditOptions struct {
	// MaxTellAUC is the most a single tell may separate seeds from host rows
	// (max(AUC, 1-AUC)) before the audit fails. Default 0.65.
	MaxTellAUC float64
	// MaxClassifierAUC is the most the cross-validated classifier over all
	// the tells may reach. Default 0.60.
	MaxClassifierAUC float64
	// Columns names the meaningful columns; see AuditColumns.
	Columns AuditColumns
	// Folds is the number of cross-validation folds. Default 5.
	Folds int
	// MinSeeds and MinHostRows are the fewest seeds and host rows a verdict
	// needs: with fewer, an AUC is mostly chance (a single seed lands above
	// the threshold on a third of the tells by luck), so the report says so
	// and passes. Defaults 10 and 100.
	MinSeeds, MinHostRows int
	// Region is the population names are judged against ("US", "GB", "ES").
	// Default "US".
	Region string
	// PhoneRegion reads numbers written in national form. Default "US".
	PhoneRegion string
	// Seed fixes the classifier's fold split. Zero: a fixed split, so the
	// same rows give the same report.
	Seed uint64
	// SampleSize is how many host rows AuditPlan (and so Plant and the
	// Dripper) reads. Default 10,000. Audit itself compares what it is given.
	SampleSize int
	// Shape, when set, makes AuditPlan plant as a Dripper given the same
	// Shape does (DripConfig.Shape): where the host's order asks for it,
	// each seed is dated at its planned time and takes the host's next
	// ticket then. The Dripper passes its own. Nil: seeds as generated.
	Shape *Shape
	// HostTickets says the host's own ticket system numbers the seeds
	// (DripConfig.Tickets; the Dripper sets it when it has one): AuditPlan
	// then appends each seed with the number the host's counter would give
	// its next row, rather than fitting it into a gap.
	HostTickets bool
}

func (o AuditOptions) withDefaults() AuditOptions {
	if o.MaxTellAUC <= 0 {
		o.MaxTellAUC = 0.65
	}
	if o.MaxClassifierAUC <= 0 {
		o.MaxClassifierAUC = 0.60
	}
	if o.Folds < 2 {
		o.Folds = 5
	}
	if o.MinSeeds <= 0 {
		o.MinSeeds = 10
	}
	if o.MinHostRows <= 0 {
		o.MinHostRows = 100
	}
	if o.Region == "" {
		o.Region = "US"
	}
	if o.PhoneRegion == "" {
		o.PhoneRegion = "US"
	}
	return o
}

// TellResult is how well one tell separates the seeds.
type TellResult struct {
	// Name says what the tell looks at: "empty-column pattern",
	// "value frequency: city", "order: id / created_at".
	Name string
	// AUC is the chance that a seed scores higher on the tell than a host
	// row (ties count half): 0.5 is no separation, 1 picks out every seed,
	// 0 as well, for the rule flipped.
	AUC float64
	// Separation is max(AUC, 1-AUC): an insider can flip a rule.
	Separation float64
	// StdErr is the AUC's standard error (Hanley and McNeil): how much of
	// the figure chance alone can move.
	StdErr float64
	// Over reports Separation > AuditReport.MaxTellAUC.
	Over bool
}

// AuditReport is what Audit found.
type AuditReport struct {
	// Seeds and HostRows are how many rows of each were compared.
	Seeds, HostRows int
	// Tells holds every tell measured, in a fixed order.
	Tells []TellResult
	// Classifier is the cross-validated AUC of a logistic regression over
	// every tell at once: what an insider combining them would reach. It is
	// not flipped: a classifier below 0.5 out of sample learned nothing.
	Classifier float64
	// ClassifierOver reports Classifier > MaxClassifierAUC.
	ClassifierOver bool
	// Judged is false when there were too few seeds or host rows for a
	// verdict (see AuditOptions.MinSeeds); Passed is then true.
	Judged bool
	// Skipped lists tells that could not be measured, with the reason.
	Skipped []string
	// The thresholds the report was judged by.
	MaxTellAUC, MaxClassifierAUC float64
}

// Passed reports whether no tell and not the classifier exceed their
// thresholds, or there was too little to judge.
func (r *AuditReport) Passed() bool {
	if r == nil {
		return false
	}
	if !r.Judged {
		return true
	}
	return len(r.Failed()) == 0 && !r.ClassifierOver
}

// Failed returns the tells over the threshold.
func (r *AuditReport) Failed() []TellResult {
	var out []TellResult
	for _, t := range r.Tells {
		if t.Over {
			out = append(out, t)
		}
	}
	return out
}

// Tell returns the result of the named tell.
func (r *AuditReport) Tell(name string) (TellResult, bool) {
	for _, t := range r.Tells {
		if t.Name == name {
			return t, true
		}
	}
	return TellResult{}, false
}

// String renders the report as WriteText does.
func (r *AuditReport) String() string {
	var b strings.Builder
	_ = r.WriteText(&b)
	return b.String()
}

// WriteText writes the report as a table an operator reads: the verdict,
// then every tell with its AUC, separation and standard error, the
// classifier, and what was not measured.
func (r *AuditReport) WriteText(w io.Writer) error {
	var b strings.Builder
	verdict := "passed"
	switch {
	case !r.Judged:
		verdict = "not judged: too few rows for a verdict"
	case !r.Passed():
		verdict = fmt.Sprintf("FAILED: %d of %d tells over %.2f", len(r.Failed()), len(r.Tells), r.MaxTellAUC)
		if r.ClassifierOver {
			verdict += fmt.Sprintf(", classifier over %.2f", r.MaxClassifierAUC)
		}
	}
	fmt.Fprintf(&b, "plant audit: %d seeds against %d host rows: %s\n", r.Seeds, r.HostRows, verdict)
	width := len("classifier (logistic, cross-validated)")
	for _, t := range r.Tells {
		width = max(width, len(t.Name))
	}
	fmt.Fprintf(&b, "  %-*s  %5s  %5s  %5s\n", width, "tell", "AUC", "sep.", "±se")
	for _, t := range r.Tells {
		mark := ""
		if t.Over {
			mark = "  over"
		}
		fmt.Fprintf(&b, "  %-*s  %5.3f  %5.3f  %5.3f%s\n", width, t.Name, t.AUC, t.Separation, t.StdErr, mark)
	}
	mark := ""
	if r.ClassifierOver {
		mark = "  over"
	}
	fmt.Fprintf(&b, "  %-*s  %5.3f  %5s  %5s%s\n", width, "classifier (logistic, cross-validated)", r.Classifier, "", "", mark)
	for _, s := range r.Skipped {
		fmt.Fprintf(&b, "  not measured: %s\n", s)
	}
	fmt.Fprintf(&b, "AUC: the chance a seed scores above a host row (0.5: no separation); sep. = max(AUC, 1-AUC); thresholds %.2f a tell, %.2f the classifier.\n",
		r.MaxTellAUC, r.MaxClassifierAUC)
	_, err := io.WriteString(w, b.String())
	return err
}

// ErrAuditFailed: the audit found a tell, or the classifier, separating the
// seeds from the host's rows beyond the threshold, and planting was refused.
// The error is an *AuditError carrying the report.
var ErrAuditFailed = errors.New("plant: the audit can tell the seeds from the host's rows")

// AuditError is the refusal of a plant whose audit failed.
type AuditError struct {
	Report *AuditReport
}

func (e *AuditError) Error() string {
	r := e.Report
	var names []string
	for _, t := range r.Failed() {
		names = append(names, fmt.Sprintf("%s %.2f", t.Name, t.Separation))
	}
	msg := fmt.Sprintf("plant: the audit can tell the seeds from the host's rows: %d of %d tells over %.2f", len(names), len(r.Tells), r.MaxTellAUC)
	if len(names) > 0 {
		msg += " (" + strings.Join(names, ", ") + ")"
	}
	if r.ClassifierOver {
		msg += fmt.Sprintf("; classifier %.2f over %.2f", r.Classifier, r.MaxClassifierAUC)
	}
	return msg + "; nothing was planted (force it only knowing the seeds can be picked out)"
}

func (e *AuditError) Unwrap() error { return ErrAuditFailed }

// maxAuditRows bounds the rows Audit compares.
const maxAuditRows = 1_000_000

// Audit measures how well each tell an insider would try separates seeds
// from host rows: host is a sample of the host table as the insider reads
// it, seeds the rows the plant would write (in planting order), with the
// values the host would give them (ids, defaults). The insider sees both
// together, so frequencies are counted over the union. Each tell scores
// every row without knowing which are seeds; the report gives each tell's
// AUC with the seeds as positives, and a cross-validated logistic
// regression over all of them.
//
// With no seed or no host row there is nothing to compare: the report is
// not judged. The one error, wrapping ErrInvalidInput, is more than
// 1,000,000 rows. Audit only computes: it reads and writes nothing.
func Audit(host, seeds []Row, opts AuditOptions) (*AuditReport, error) {
	return audit(host, seeds, nil, nil, opts)
}

// audit is Audit with phantoms: rows the host will add, copies of
// host[phantomOf[k]], that only the tells of order read.
func audit(host, seeds, phantoms []Row, phantomOf []int, opts AuditOptions) (*AuditReport, error) {
	if len(host)+len(seeds) > maxAuditRows {
		return nil, fmt.Errorf("%w: audit: %d rows, at most %d", ErrInvalidInput, len(host)+len(seeds), maxAuditRows)
	}
	opts = opts.withDefaults()
	tab := newAuditTable(host, seeds, opts)
	tab.phantoms, tab.phantomOf = phantoms, phantomOf
	tells, skipped := tab.tells()

	r := &AuditReport{
		Seeds: len(seeds), HostRows: len(host), Skipped: skipped,
		Judged:     len(seeds) >= opts.MinSeeds && len(host) >= opts.MinHostRows,
		MaxTellAUC: opts.MaxTellAUC, MaxClassifierAUC: opts.MaxClassifierAUC,
	}
	features := make([][]float64, 0, len(tells))
	for _, t := range tells {
		a := auc(t.score, tab.seed)
		sep := math.Max(a, 1-a)
		r.Tells = append(r.Tells, TellResult{
			Name: t.name, AUC: a, Separation: sep, StdErr: aucStdErr(a, len(seeds), len(host)),
			Over: r.Judged && sep > opts.MaxTellAUC+1e-12,
		})
		features = append(features, t.score)
	}
	r.Classifier = crossValidatedAUC(features, tab.seed, opts.Folds, opts.Seed)
	r.ClassifierOver = r.Judged && r.Classifier > opts.MaxClassifierAUC+1e-12
	return r, nil
}
