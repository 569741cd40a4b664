//! Convex piecewise-linear functions of one variable, with the exact operations the storage
//! dynamic program needs: infimal convolution (merge of slopes), clipping, evaluation.

/// Slopes closer than this are merged into one segment.
const SLOPE_TOL: f64 = 1e-12;
/// Segments shorter than this are dropped.
const LEN_TOL: f64 = 1e-12;

/// f(x) on [x0, x0 + Σ len]: value `v0` at `x0`, then segments (length, slope), slopes ascending.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Pwl {
    pub x0: f64,
    pub v0: f64,
    pub segs: Vec<(f64, f64)>,
}

impl Pwl {
    /// A constant on [lo, hi].
    pub fn constant(lo: f64, hi: f64, value: f64) -> Self {
        let mut f = Self {
            x0: lo,
            v0: value,
            segs: Vec::new(),
        };
        if hi - lo > LEN_TOL {
            f.segs.push((hi - lo, 0.0));
        }
        f
    }

    /// Right end of the domain.
    pub fn end(&self) -> f64 {
        self.x0 + self.segs.iter().map(|s| s.0).sum::<f64>()
    }

    /// Build from points (x ascending) by linear interpolation; slopes must ascend (convex).
    pub fn from_points(points: &[(f64, f64)]) -> Self {
        let mut f = Self::empty();
        f.set_points(points);
        f
    }

    /// An empty function to fill with the `*_into` operations (buffers reused between steps).
    pub fn empty() -> Self {
        Self {
            x0: 0.0,
            v0: 0.0,
            segs: Vec::new(),
        }
    }

    /// [`Pwl::from_points`] into `self`, reusing its buffer.
    pub fn set_points(&mut self, points: &[(f64, f64)]) {
        self.x0 = points[0].0;
        self.v0 = points[0].1;
        self.segs.clear();
        for w in points.windows(2) {
            let len = w[1].0 - w[0].0;
            if len > LEN_TOL {
                self.push((len, (w[1].1 - w[0].1) / len));
            }
        }
    }

    fn push(&mut self, (len, slope): (f64, f64)) {
        match self.segs.last_mut() {
            Some(last) if (last.1 - slope).abs() <= SLOPE_TOL * (1.0 + slope.abs()) => {
                last.0 += len
            }
            _ => self.segs.push((len, slope)),
        }
    }

    /// Evaluate at x (clamped into the domain).
    pub fn eval(&self, x: f64) -> f64 {
        let mut v = self.v0;
        let mut left = x - self.x0;
        for &(len, slope) in &self.segs {
            if left <= 0.0 {
                break;
            }
            let step = if left < len { left } else { len };
            v += step * slope;
            left -= step;
        }
        v
    }

    /// Evaluate at every x of `xs` (ascending) in one sweep over the segments, into `out`
    /// (clamped into the domain like [`Pwl::eval`]).
    pub fn eval_sorted(&self, xs: &[f64], out: &mut Vec<f64>) {
        out.clear();
        let (mut i, mut start, mut v) = (0, self.x0, self.v0);
        for &x in xs {
            while i < self.segs.len() && x >= start + self.segs[i].0 {
                v += self.segs[i].0 * self.segs[i].1;
                start += self.segs[i].0;
                i += 1;
            }
            out.push(match self.segs.get(i) {
                Some(&(_, slope)) if x > start => v + (x - start) * slope,
                _ => v,
            });
        }
    }

    /// g = f reflected: g(x) = f(−x).
    #[cfg(test)]
    pub fn reflect(&self) -> Self {
        let mut g = Self::empty();
        self.reflect_into(&mut g);
        g
    }

    /// [`Pwl::reflect`] into `g`, reusing its buffer.
    pub fn reflect_into(&self, g: &mut Self) {
        let end = self.end();
        g.x0 = -end;
        g.v0 = self.eval(end);
        g.segs.clear();
        for &(len, slope) in self.segs.iter().rev() {
            g.push((len, -slope));
        }
    }

    /// Infimal convolution (f □ g)(x) = min_y f(y) + g(x − y): slopes merge in ascending order.
    #[cfg(test)]
    pub fn infconv(&self, g: &Pwl) -> Self {
        let mut h = Self::empty();
        self.infconv_into(g, &mut h);
        h
    }

    /// [`Pwl::infconv`] into `h`, reusing its buffer.
    pub fn infconv_into(&self, g: &Pwl, h: &mut Self) {
        h.x0 = self.x0 + g.x0;
        h.v0 = self.v0 + g.v0;
        h.segs.clear();
        let (mut i, mut j) = (0, 0);
        while i < self.segs.len() || j < g.segs.len() {
            let take_f =
                j >= g.segs.len() || (i < self.segs.len() && self.segs[i].1 <= g.segs[j].1);
            if take_f {
                h.push(self.segs[i]);
                i += 1;
            } else {
                h.push(g.segs[j]);
                j += 1;
            }
        }
    }

    /// Restrict to [lo, hi]; `None` when the intersection is empty.
    #[cfg(test)]
    pub fn clip(&self, lo: f64, hi: f64) -> Option<Self> {
        let mut out = Self::empty();
        self.clip_into(lo, hi, &mut out).then_some(out)
    }

    /// [`Pwl::clip`] into `out`, reusing its buffer; `false` (and `out` untouched) when the
    /// intersection is empty.
    pub fn clip_into(&self, lo: f64, hi: f64, out: &mut Self) -> bool {
        let (start, end) = (self.x0.max(lo), self.end().min(hi));
        if start > end + 1e-9 {
            return false;
        }
        out.x0 = start;
        out.v0 = self.eval(start);
        out.segs.clear();
        let mut x = self.x0;
        for &(len, slope) in &self.segs {
            let (a, b) = (x.max(start), (x + len).min(end));
            if b - a > LEN_TOL {
                out.push((b - a, slope));
            }
            x += len;
        }
        true
    }

    /// Breakpoints (domain ends included).
    pub fn breakpoints(&self) -> impl Iterator<Item = f64> + '_ {
        let mut x = self.x0;
        std::iter::once(self.x0).chain(self.segs.iter().map(move |s| {
            x += s.0;
            x
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infimal_convolution_matches_brute_force() {
        let f = Pwl::from_points(&[(0.0, 3.0), (1.0, 1.0), (2.0, 1.0), (4.0, 5.0)]);
        let g = Pwl::from_points(&[(-1.0, 2.0), (0.0, 0.0), (0.5, 0.5)]);
        let h = f.infconv(&g);
        assert!((h.x0 + 1.0).abs() < 1e-12 && (h.end() - 4.5).abs() < 1e-12);
        for i in 0..=110 {
            let x = -1.0 + i as f64 * 0.05;
            let mut best = f64::INFINITY;
            for k in 0..=4000 {
                let y = k as f64 * 0.001;
                if x - y >= -1.0 && x - y <= 0.5 {
                    best = best.min(f.eval(y) + g.eval(x - y));
                }
            }
            if best.is_finite() {
                assert!(
                    (h.eval(x) - best).abs() < 2e-3,
                    "x {x}: {} vs {best}",
                    h.eval(x)
                );
            }
        }
    }

    #[test]
    fn sorted_evaluation_matches_pointwise() {
        let f = Pwl::from_points(&[(0.0, 3.0), (1.0, 1.0), (2.0, 1.0), (4.0, 5.0)]);
        let xs: Vec<f64> = (0..=50).map(|i| -0.5 + i as f64 * 0.1).collect();
        let mut out = Vec::new();
        f.eval_sorted(&xs, &mut out);
        for (x, v) in xs.iter().zip(&out) {
            assert!((f.eval(*x) - v).abs() < 1e-12, "{x}: {} vs {v}", f.eval(*x));
        }
    }

    #[test]
    fn clip_and_reflect() {
        let f = Pwl::from_points(&[(0.0, 0.0), (1.0, -1.0), (3.0, 3.0)]);
        let c = f.clip(0.5, 2.0).unwrap();
        assert!((c.v0 + 0.5).abs() < 1e-12 && (c.eval(2.0) - 1.0).abs() < 1e-12);
        assert!(f.clip(5.0, 6.0).is_none());
        let r = f.reflect();
        assert!((r.eval(-3.0) - 3.0).abs() < 1e-12 && (r.eval(-1.0) + 1.0).abs() < 1e-12);
    }
}
