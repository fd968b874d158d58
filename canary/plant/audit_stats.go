package plant

import (
	"math"
	"math/rand/v2"
	"slices"
)

// auc is the Mann–Whitney estimate of P(score of a positive > score of a
// negative), ties counting one half, from the average ranks of all scores.
// NaN scores count as 0. With no positive or no negative it is 0.5.
func auc(score []float64, pos []bool) float64 {
	r := ranks(score)
	var np, nn int
	var sum float64
	for i, p := range pos {
		if p {
			np++
			sum += r[i]
		} else {
			nn++
		}
	}
	if np == 0 || nn == 0 {
		return 0.5
	}
	u := sum - float64(np)*float64(np+1)/2
	return u / (float64(np) * float64(nn))
}

// aucStdErr is Hanley and McNeil's (1982) standard error of an AUC a from
// np positives and nn negatives.
func aucStdErr(a float64, np, nn int) float64 {
	if np == 0 || nn == 0 {
		return 0
	}
	q1, q2 := a/(2-a), 2*a*a/(1+a)
	v := (a*(1-a) + float64(np-1)*(q1-a*a) + float64(nn-1)*(q2-a*a)) / (float64(np) * float64(nn))
	return math.Sqrt(math.Max(v, 0))
}

// ranks returns the 1-based ranks of xs, ties sharing their average rank.
func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	val := func(i int) float64 {
		if v := xs[i]; !math.IsNaN(v) {
			return v
		}
		return 0
	}
	slices.SortFunc(idx, func(a, b int) int {
		va, vb := val(a), val(b)
		switch {
		case va < vb:
			return -1
		case va > vb:
			return 1
		}
		return 0
	})
	out := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && val(idx[j+1]) == val(idx[i]) {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			out[idx[k]] = avg
		}
		i = j + 1
	}
	return out
}

// crossValidatedAUC fits an L2-regularized logistic regression on all but
// one of folds stratified folds, scores the held-out fold, and returns the
// AUC of the out-of-fold scores. Features are standardized on each
// training part; classes are weighted to balance, since seeds are few.
func crossValidatedAUC(features [][]float64, pos []bool, folds int, seed uint64) float64 {
	n := len(pos)
	if n == 0 || len(features) == 0 {
		return 0.5
	}
	// Stratified folds: deal each class out in a shuffled order.
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	fold := make([]int, n)
	var p, q []int
	for i, y := range pos {
		if y {
			p = append(p, i)
		} else {
			q = append(q, i)
		}
	}
	folds = max(2, min(folds, len(p), len(q)))
	if len(p) < 2 || len(q) < 2 {
		return 0.5
	}
	for _, class := range [][]int{p, q} {
		r.Shuffle(len(class), func(i, j int) { class[i], class[j] = class[j], class[i] })
		for k, i := range class {
			fold[i] = k % folds
		}
	}
	x := make([][]float64, n) // rows of features
	for i := range x {
		x[i] = make([]float64, len(features))
		for j, f := range features {
			if v := f[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				x[i][j] = v
			}
		}
	}
	out := make([]float64, n)
	for k := range folds {
		var train, test []int
		for i := range n {
			if fold[i] == k {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		m := fitLogistic(x, pos, train)
		for _, i := range test {
			out[i] = m.score(x[i])
		}
	}
	return auc(out, pos)
}

// logistic is a fitted model over standardized features.
type logistic struct {
	mean, sd, w []float64
	b           float64
}

func (m *logistic) score(row []float64) float64 {
	z := m.b
	for j, v := range row {
		z += m.w[j] * (v - m.mean[j]) / m.sd[j]
	}
	return z // the logit: monotone in the probability, enough for an AUC
}

// fitLogistic fits by gradient descent on the class-weighted mean log loss
// plus lambda/2·|w|². The problem is convex and the features standardized,
// so a fixed step converges within the iterations.
func fitLogistic(x [][]float64, pos []bool, train []int) *logistic {
	const (
		iterations = 300
		step       = 0.5
		lambda     = 0.01
	)
	d := len(x[0])
	m := &logistic{mean: make([]float64, d), sd: make([]float64, d), w: make([]float64, d)}
	for _, i := range train {
		for j, v := range x[i] {
			m.mean[j] += v
		}
	}
	for j := range m.mean {
		m.mean[j] /= float64(len(train))
	}
	for _, i := range train {
		for j, v := range x[i] {
			m.sd[j] += (v - m.mean[j]) * (v - m.mean[j])
		}
	}
	for j := range m.sd {
		m.sd[j] = math.Sqrt(m.sd[j] / float64(len(train)))
		if m.sd[j] < 1e-9 {
			m.sd[j] = math.Inf(1) // constant on the training part: ignored
		}
	}
	var np float64
	for _, i := range train {
		if pos[i] {
			np++
		}
	}
	nn := float64(len(train)) - np
	wp, wn := 0.5/np, 0.5/nn // each class weighs one half
	z := make([][]float64, len(train))
	for k, i := range train {
		z[k] = make([]float64, d)
		for j, v := range x[i] {
			z[k][j] = (v - m.mean[j]) / m.sd[j]
		}
	}
	grad := make([]float64, d)
	for range iterations {
		clear(grad)
		var gb float64
		for k, i := range train {
			s := m.b
			for j, v := range z[k] {
				s += m.w[j] * v
			}
			p := 1 / (1 + math.Exp(-s))
			y, wt := 0.0, wn
			if pos[i] {
				y, wt = 1, wp
			}
			e := wt * (p - y)
			gb += e
			for j, v := range z[k] {
				grad[j] += e * v
			}
		}
		m.b -= step * gb
		for j := range m.w {
			m.w[j] -= step * (grad[j] + lambda*m.w[j])
		}
	}
	return m
}
