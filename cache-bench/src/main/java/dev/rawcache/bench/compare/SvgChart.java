package dev.rawcache.bench.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * A small SVG writer for the two kinds of plot the comparison draws, so that no plotting library is needed: a line
 * chart over categories with a logarithmic y axis, and a grouped bar chart with a linear one. The output is plain SVG
 * 1.1 that browsers and GitHub render.
 * <p>
 * Not thread-safe: build one chart on one thread.
 */
final class SvgChart
{
    private static final String[] PALETTE = {
        "#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"
    };
    private static final String[] GREYS = {"#444444", "#999999", "#222222"};
    private static final int WIDTH = 960;
    private static final int HEIGHT = 540;
    private static final int LEFT = 90;
    private static final int RIGHT = 250;
    private static final int TOP = 60;
    private static final int BOTTOM = 90;

    /**
     * One line or one bar series.
     *
     * @param name   the legend's text.
     * @param values one value per category; NaN for none.
     * @param dashed dashed (for limits) rather than solid.
     * @param bold   drawn thicker (for rawcache).
     */
    record Series(String name, double[] values, boolean dashed, boolean bold)
    {
    }

    private SvgChart()
    {
    }

    /**
     * A line chart, y logarithmic.
     *
     * @param title      the title.
     * @param subtitle   a line under it.
     * @param categories the x axis' categories, in order.
     * @param xLabel     the x axis' name.
     * @param yLabel     the y axis' name.
     * @param yFormat    how tick values are written.
     * @param series     the lines.
     * @return the SVG document.
     */
    static String logLines(final String title, final String subtitle, final List<String> categories,
                           final String xLabel, final String yLabel, final DoubleFunction<String> yFormat,
                           final List<Series> series)
    {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final Series s : series)
        {
            for (final double v : s.values())
            {
                if (v > 0 && !Double.isInfinite(v))
                {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (max == 0)
        {
            min = 1;
            max = 10;
        }
        final double lo = Math.floor(Math.log10(min));
        final double hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;
        final StringBuilder svg = header(title, subtitle);
        for (double decade = lo; decade <= hi; decade++)
        {
            for (final int m : new int[]{1, 2, 5})
            {
                final double v = m * Math.pow(10, decade);
                if (Math.log10(v) > hi + 1e-9)
                {
                    continue;
                }
                final double y = TOP + plotH - (Math.log10(v) - lo) / (hi - lo) * plotH;
                svg.append(line(LEFT, y, LEFT + plotW, y, m == 1 ? "#cccccc" : "#eeeeee", 1, false));
                svg.append(text(LEFT - 8, y + 4, yFormat.apply(v), "end", 12, m == 1 ? "#333" : "#999"));
            }
        }
        final int n = categories.size();
        final double step = n > 1 ? plotW / (double)(n - 1) : 0;
        final double inset = n > 1 ? 0 : plotW / 2.0;
        for (int i = 0; i < n; i++)
        {
            final double x = LEFT + inset + i * step;
            svg.append(line(x, TOP, x, TOP + plotH, "#eeeeee", 1, false));
            svg.append(text(x, TOP + plotH + 22, categories.get(i), "middle", 13, "#333"));
        }
        axes(svg, plotW, plotH, xLabel, yLabel);
        int colour = 0;
        int grey = 0;
        final List<String[]> legend = new ArrayList<>();
        for (final Series s : series)
        {
            final String stroke = s.dashed() ? GREYS[grey++ % GREYS.length] : PALETTE[colour++ % PALETTE.length];
            final StringBuilder path = new StringBuilder();
            for (int i = 0; i < n && i < s.values().length; i++)
            {
                final double v = s.values()[i];
                if (!(v > 0) || Double.isInfinite(v))
                {
                    continue;
                }
                final double x = LEFT + inset + i * step;
                final double y = TOP + plotH - (Math.log10(v) - lo) / (hi - lo) * plotH;
                path.append(path.isEmpty() ? "M" : " L").append(fmt(x)).append(',').append(fmt(y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"%s\"/>%n",
                    fmt(x), fmt(y), s.bold() ? "5" : "3.5", stroke));
            }
            if (!path.isEmpty())
            {
                svg.append(String.format(Locale.ROOT,
                    "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s/>%n", path, stroke,
                    s.bold() ? "3" : "1.6", s.dashed() ? " stroke-dasharray=\"6,4\"" : ""));
            }
            legend.add(new String[]{s.name(), stroke, s.dashed() ? "d" : s.bold() ? "b" : ""});
        }
        legend(svg, legend, false);
        return svg.append("</svg>\n").toString();
    }

    /**
     * A grouped bar chart, y linear from 0.
     *
     * @param title    the title.
     * @param subtitle a line under it.
     * @param groups   the groups along x (engines).
     * @param yLabel   the y axis' name.
     * @param yFormat  how tick values are written.
     * @param series   one series per bar in a group; {@code values[g]} is group g's bar.
     * @return the SVG document.
     */
    static String groupedBars(final String title, final String subtitle, final List<String> groups,
                              final String yLabel, final DoubleFunction<String> yFormat, final List<Series> series)
    {
        double max = 0;
        for (final Series s : series)
        {
            for (final double v : s.values())
            {
                if (!Double.isNaN(v) && !Double.isInfinite(v))
                {
                    max = Math.max(max, v);
                }
            }
        }
        final double tick = niceStep(max > 0 ? max / 5 : 1);
        final double top = Math.max(tick, Math.ceil(max / tick) * tick);
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;
        final StringBuilder svg = header(title, subtitle);
        for (double v = 0; v <= top + tick / 2; v += tick)
        {
            final double y = TOP + plotH - v / top * plotH;
            svg.append(line(LEFT, y, LEFT + plotW, y, "#dddddd", 1, false));
            svg.append(text(LEFT - 8, y + 4, yFormat.apply(v), "end", 12, "#333"));
        }
        axes(svg, plotW, plotH, "", yLabel);
        final int g = groups.size();
        final double groupW = plotW / (double)Math.max(1, g);
        final double barW = groupW * 0.8 / Math.max(1, series.size());
        final List<String[]> legend = new ArrayList<>();
        for (int s = 0; s < series.size(); s++)
        {
            final String fill = PALETTE[(s + 2) % PALETTE.length];
            legend.add(new String[]{series.get(s).name(), fill, ""});
            for (int i = 0; i < g && i < series.get(s).values().length; i++)
            {
                final double v = series.get(s).values()[i];
                if (Double.isNaN(v) || Double.isInfinite(v))
                {
                    continue;
                }
                final double h = v / top * plotH;
                final double x = LEFT + i * groupW + groupW * 0.1 + s * barW;
                svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>%n", fmt(x),
                    fmt(TOP + plotH - h), fmt(barW - 1), fmt(h), fill));
                if (barW >= 30)
                {
                    svg.append(text(x + barW / 2, TOP + plotH - h - 4, yFormat.apply(v), "middle", 10, "#333"));
                }
                else
                {
                    // Too narrow for a level label: write it upwards from the bar's top.
                    final double tx = x + barW / 2 + 3;
                    final double ty = TOP + plotH - h - 4;
                    svg.append(String.format(Locale.ROOT,
                        "<text x=\"%s\" y=\"%s\" font-size=\"10\" fill=\"#333\" transform=\"rotate(-90 %s %s)\">" +
                            "%s</text>%n", fmt(tx), fmt(ty), fmt(tx), fmt(ty), escape(yFormat.apply(v))));
                }
            }
        }
        for (int i = 0; i < g; i++)
        {
            final double x = LEFT + i * groupW + groupW / 2;
            final double y = TOP + plotH + 16;
            svg.append(String.format(Locale.ROOT,
                "<text x=\"%s\" y=\"%s\" text-anchor=\"end\" font-size=\"12\" fill=\"#333\" " +
                    "transform=\"rotate(-30 %s %s)\">%s</text>%n", fmt(x), fmt(y), fmt(x), fmt(y),
                escape(groups.get(i))));
        }
        legend(svg, legend, true);
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder header(final String title, final String subtitle)
    {
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" " +
                "font-family=\"Helvetica, Arial, sans-serif\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(text(LEFT, 26, title, "start", 17, "#111"));
        svg.append(text(LEFT, 45, subtitle, "start", 12, "#555"));
        return svg;
    }

    private static void axes(final StringBuilder svg, final int plotW, final int plotH, final String xLabel,
                             final String yLabel)
    {
        svg.append(line(LEFT, TOP, LEFT, TOP + plotH, "#333333", 1, false));
        svg.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#333333", 1, false));
        if (!xLabel.isEmpty())
        {
            svg.append(text(LEFT + plotW / 2.0, TOP + plotH + 50, xLabel, "middle", 13, "#333"));
        }
        final double yMid = TOP + plotH / 2.0;
        svg.append(String.format(Locale.ROOT,
            "<text x=\"22\" y=\"%s\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333\" " +
                "transform=\"rotate(-90 22 %s)\">%s</text>%n", fmt(yMid), fmt(yMid), escape(yLabel)));
    }

    private static void legend(final StringBuilder svg, final List<String[]> entries, final boolean boxes)
    {
        final double x = WIDTH - RIGHT + 20;
        double y = TOP + 10;
        for (final String[] e : entries)
        {
            if (boxes)
            {
                svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%s\" y=\"%s\" width=\"14\" height=\"10\" fill=\"%s\"/>%n", fmt(x), fmt(y - 9), e[1]));
            }
            else
            {
                svg.append(line(x, y - 4, x + 24, y - 4, e[1], "b".equals(e[2]) ? 3 : 1.6, "d".equals(e[2])));
            }
            svg.append(text(x + 30, y, e[0], "start", 12, "#222"));
            y += 20;
        }
    }

    private static String line(final double x1, final double y1, final double x2, final double y2,
                               final String stroke, final double width, final boolean dashed)
    {
        return String.format(Locale.ROOT,
            "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"%s\"%s/>%n", fmt(x1),
            fmt(y1), fmt(x2), fmt(y2), stroke, fmt(width), dashed ? " stroke-dasharray=\"6,4\"" : "");
    }

    private static String text(final double x, final double y, final String text, final String anchor,
                               final int size, final String fill)
    {
        return String.format(Locale.ROOT,
            "<text x=\"%s\" y=\"%s\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\">%s</text>%n", fmt(x), fmt(y),
            anchor, size, fill, escape(text));
    }

    private static double niceStep(final double raw)
    {
        final double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        final double f = raw / magnitude;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
    }

    private static String fmt(final double v)
    {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(final String s)
    {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
