//! The report's charts: `plotters` drawing to SVG text, inlined in the page.
//!
//! How it works: each chart is drawn by plotters' SVG backend into a string (no font files:
//! text is left to the browser as SVG `<text>`). Colours are not chosen here: every mark is
//! drawn in one of a few placeholder colours ([`INK`], [`GRID`], [`BAR`], [`BAR_OTHER`],
//! [`LINE`]) that the page's stylesheet maps to its own colours by attribute selectors
//! (`[fill="#030303"]`), so the charts follow the light, dark and print styles. Then the
//! `<svg>` element is made accessible: `role="img"`, a `<title>` and a `<desc>` that name the
//! chart and say what it shows, referenced by `aria-labelledby` and `aria-describedby`; the
//! numbers themselves are in the data table the page puts beside each chart.
//! [`bars`] draws categories as (stacked) bars with each bar's total written above it;
//! [`curve`] draws points joined by a line over `[0, 1]` on both axes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::show::group_digits;

/// Text, axes and tick labels.
pub const INK: RGBColor = RGBColor(1, 1, 1);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(2, 2, 2);
/// The first series of a bar chart.
pub const BAR: RGBColor = RGBColor(3, 3, 3);
/// The second series of a bar chart, stacked on the first.
pub const BAR_OTHER: RGBColor = RGBColor(4, 4, 4);
/// The line and points of a curve.
pub const LINE: RGBColor = RGBColor(5, 5, 5);

const WIDTH: u32 = 640;
const HEIGHT: u32 = 300;
const FONT: &str = "sans-serif";

/// A chart: its id in the page, its title and description, and its SVG text.
#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub description: String,
    pub svg: String,
}

/// One series of a bar chart.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub values: &'a [f64],
    /// Drawn in [`BAR`] if false, else [`BAR_OTHER`].
    pub other: bool,
}

/// How a value is written on the axis and above its bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// A share from 0 to 1, written as a percentage.
    Percent,
}

impl Unit {
    pub fn show(self, value: f64) -> String {
        match self {
            Unit::Count if value < 0.0 => format!("-{}", group_digits((-value).round() as u64)),
            Unit::Count => group_digits(value.round() as u64),
            Unit::Percent => format!("{:.1}%", value * 100.0),
        }
    }
}

/// Bars over `labels`, the series stacked in order; each bar's total is written above it.
pub fn bars(
    id: &str,
    title: &str,
    description: &str,
    labels: &[String],
    series: &[Series<'_>],
    unit: Unit,
) -> Chart {
    let mut svg = String::new();
    let drawn = draw_bars(&mut svg, labels, series, unit);
    finish(id, title, description, svg, drawn)
}

/// Points `(x, y)` joined in order by a line, both axes from 0 to 1 (`unit` says how the
/// y values are written); points without a y are left out.
pub fn curve(
    id: &str,
    title: &str,
    description: &str,
    points: &[(f64, Option<f64>)],
    x_axis: &str,
    y_axis: &str,
) -> Chart {
    let mut svg = String::new();
    let drawn = draw_curve(&mut svg, points, x_axis, y_axis);
    finish(id, title, description, svg, drawn)
}

type Drawn = Result<(), String>;

fn root(svg: &mut String) -> DrawingArea<SVGBackend<'_>, Shift> {
    SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area()
}

fn draw_bars(svg: &mut String, labels: &[String], series: &[Series<'_>], unit: Unit) -> Drawn {
    let n = labels.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let top = totals.iter().copied().fold(0.0f64, f64::max);
    let top = match unit {
        Unit::Percent => (top * 1.15).clamp(0.1, 1.0).max(top),
        _ => (top * 1.15).max(1.0),
    };
    let area = root(svg);
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        // A segmented range holds both its ends: `0..n - 1` is the `n` categories.
        .build_cartesian_2d((0..n.max(1) as i32 - 1).into_segmented(), 0.0..top)
        .map_err(|e| e.to_string())?;
    let label_style = (FONT, 16).into_font().color(&INK);
    let labels_for_axis = labels.to_vec();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .label_style(label_style.clone())
        .x_labels(n.max(1))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                (labels_for_axis.get(*i as usize)).map_or(String::new(), |l| shorten(l, 14))
            }
            _ => String::new(),
        })
        .y_labels(5)
        .y_label_formatter(&|v| unit.show(*v))
        .draw()
        .map_err(|e| e.to_string())?;
    let mut base = vec![0.0; n];
    for s in series {
        let color = if s.other { BAR_OTHER } else { BAR };
        let rects = (0..n).filter_map(|i| {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            let from = base[i];
            base[i] += v;
            (v > 0.0).then(|| {
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(i as i32), from),
                        (SegmentValue::Exact(i as i32 + 1), from + v),
                    ],
                    color.filled(),
                );
                r.set_margin(0, 0, 6, 6);
                r
            })
        });
        chart.draw_series(rects).map_err(|e| e.to_string())?;
    }
    let above = label_style.pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(totals.iter().enumerate().map(|(i, total)| {
            Text::new(
                unit.show(*total),
                (SegmentValue::CenterOf(i as i32), *total),
                above.clone(),
            )
        }))
        .map_err(|e| e.to_string())?;
    area.present().map_err(|e| e.to_string())
}

fn draw_curve(
    svg: &mut String,
    points: &[(f64, Option<f64>)],
    x_axis: &str,
    y_axis: &str,
) -> Drawn {
    let area = root(svg);
    let mut chart = ChartBuilder::on(&area)
        .margin(12)
        // Room for the last tick label (100%), centred on the axis's end.
        .margin_right(28)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    let label_style = (FONT, 16).into_font().color(&INK);
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .label_style(label_style.clone())
        .axis_desc_style(label_style)
        .x_desc(x_axis)
        .y_desc(y_axis)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .draw()
        .map_err(|e| e.to_string())?;
    let known: Vec<(f64, f64)> = (points.iter())
        .filter_map(|(x, y)| y.map(|y| (*x, y.clamp(0.0, 1.0))))
        .collect();
    chart
        .draw_series(std::iter::once(PathElement::new(
            known.clone(),
            LINE.stroke_width(2),
        )))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(known.iter().map(|p| Circle::new(*p, 4, LINE.filled())))
        .map_err(|e| e.to_string())?;
    area.present().map_err(|e| e.to_string())
}

/// `text` cut to `max` characters with `…`.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The chart with its accessible name and description; a chart that could not be drawn
/// says so in its place (the table beside it still has the numbers).
fn finish(id: &str, title: &str, description: &str, svg: String, drawn: Drawn) -> Chart {
    let labelled = format!(
        "<svg role=\"img\" aria-labelledby=\"{id}-title\" aria-describedby=\"{id}-desc\" \
         class=\"chart\" "
    );
    let heading = format!(
        "<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(description)
    );
    // Inline SVG needs no namespace, and the page names no address at all.
    let svg = svg.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
    let svg = match (drawn, svg.strip_prefix("<svg ")) {
        (Ok(()), Some(rest)) => match rest.split_once('>') {
            Some((attrs, body)) => format!("{labelled}{attrs}>{heading}{body}"),
            None => String::new(),
        },
        _ => String::new(),
    };
    let svg = if svg.is_empty() {
        "<p class=\"note\">The chart could not be drawn; the table has its numbers.</p>".to_string()
    } else {
        svg
    };
    Chart {
        id: id.to_string(),
        title: title.to_string(),
        description: description.to_string(),
        svg,
    }
}

/// `text` safe in HTML and SVG text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_is_an_accessible_svg_in_placeholder_colours() {
        let labels = vec!["A".to_string(), "B <x>".to_string()];
        let chart = bars(
            "c1",
            "Leads & tiers",
            "How many",
            &labels,
            &[Series {
                values: &[3.0, 0.0],
                other: false,
            }],
            Unit::Count,
        );
        assert!(
            chart
                .svg
                .starts_with("<svg role=\"img\" aria-labelledby=\"c1-title\"")
        );
        assert!(
            chart
                .svg
                .contains("<title id=\"c1-title\">Leads &amp; tiers</title>")
        );
        assert!(chart.svg.contains("fill=\"#030303\""), "{}", chart.svg);
        assert!(chart.svg.contains("B &lt;x&gt;"), "labels are escaped");
        assert!(
            !chart.svg.contains("http"),
            "no address, not even a namespace"
        );
    }

    #[test]
    fn a_curve_leaves_out_points_without_a_value() {
        let chart = curve(
            "c2",
            "Calibration",
            "Win rate per band",
            &[(0.05, Some(0.1)), (0.15, None), (0.25, Some(0.5))],
            "score",
            "win rate",
        );
        assert_eq!(chart.svg.matches("<circle").count(), 2, "{}", chart.svg);
    }
}
