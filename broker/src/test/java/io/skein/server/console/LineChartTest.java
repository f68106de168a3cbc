package io.skein.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The SVG line chart: values and times scaled onto the plot, round axis labels in the unit's scale,
 * lines broken where samples are missing, every text from its input escaped, and its accessible
 * name giving the latest values. Charts are parsed as XML, so they must be well-formed too.
 */
class LineChartTest {
    /** 2023-11-14 22:13:20 UTC. */
    private static final long FROM = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000;
    private static final long INTERVAL = 10_000;

    @Test
    void valuesAndTimesAreScaledOntoThePlotWithRoundLabels() throws Exception {
        List<Long> times = List.of(FROM, FROM + HOUR / 2, FROM + HOUR);
        Document chart = draw(new LineChart("c", "Messages in", ChartUnit.MESSAGES_PER_SECOND, FROM, FROM + HOUR, HOUR / 2),
                times, new LineChart.Line("messages_in", "messages in", List.of(0.0, 50.0, 100.0)));

        List<double[]> points = points(only(chart, "polyline"));
        assertEquals(3, points.size());
        assertPoint(LineChart.LEFT, LineChart.BOTTOM, points.get(0));
        assertPoint((LineChart.LEFT + LineChart.RIGHT) / 2.0, (LineChart.TOP + LineChart.BOTTOM) / 2.0, points.get(1));
        assertPoint(LineChart.RIGHT, LineChart.TOP, points.get(2));
        assertEquals(List.of("0 msg/s", "25 msg/s", "50 msg/s", "75 msg/s", "100 msg/s"), texts(chart, "values"));
        assertEquals(List.of("22:20", "22:30", "22:40", "22:50", "23:00", "23:10"), texts(chart, "times"),
                "an hour: labels every 10 minutes, at round times");
    }

    @Test
    void anAxisReadsInTheScaleOfItsTopAndRoundsUp() throws Exception {
        Document bytes = draw(new LineChart("c", "Bytes", ChartUnit.BYTES_PER_SECOND, FROM, FROM + 60_000, INTERVAL),
                List.of(FROM + 10_000, FROM + 20_000), new LineChart.Line("bytes_in", "in", List.of(3000.0, 100.0)));
        assertEquals(List.of("0 B/s", "1 KiB/s", "2 KiB/s", "3 KiB/s"), texts(bytes, "values"));
        assertEquals(List.of("22:13:30", "22:13:40", "22:13:50", "22:14:00", "22:14:10", "22:14:20"),
                texts(bytes, "times"), "a minute: labels every 10 seconds");
        double top = points(only(bytes, "polyline")).get(0)[1];
        assertEquals(LineChart.BOTTOM - 3000.0 / 3072 * (LineChart.BOTTOM - LineChart.TOP), top, 0.05);

        Document flat = draw(new LineChart("c", "Lag", ChartUnit.RECORDS, FROM, FROM + HOUR, INTERVAL),
                List.of(FROM + 10_000, FROM + 20_000), new LineChart.Line("lag", "lag", List.of(0.0, 0.0)));
        assertEquals(List.of("0 records", "1 records"), texts(flat, "values"), "all zero: a unit axis, the line at 0");
        points(only(flat, "polyline")).forEach(p -> assertEquals(LineChart.BOTTOM, p[1], 0.05));
    }

    @Test
    void aLineBreaksWhereSamplesAreMissingAndALoneSampleIsADot() throws Exception {
        List<Long> times = new ArrayList<>();
        for (long t : new long[] {0, 1, 2, 3, 4, 7, 8, 10}) { // 5 and 6 were not sampled: a node that was down
            times.add(FROM + t * INTERVAL);
        }
        Document chart = draw(new LineChart("c", "Latency", ChartUnit.MILLISECONDS, FROM, FROM + HOUR, INTERVAL),
                times, new LineChart.Line("produce_p99_ms", "produce",
                        Arrays.asList(1.0, 2.0, null, 4.0, 5.0, 6.0, 7.0, 9.0)));
        NodeList polylines = chart.getElementsByTagName("polyline");
        assertEquals(3, polylines.getLength(), "broken at the null and at the missing samples");
        assertEquals(2, points((Element) polylines.item(0)).size());
        assertEquals(2, points((Element) polylines.item(1)).size());
        assertEquals(2, points((Element) polylines.item(2)).size());
        assertEquals(1, chart.getElementsByTagName("circle").getLength(), "the sample after the second gap, alone");
    }

    @Test
    void itsTitleAndLegendGiveTheLatestValuesAndItsDataTheExactOne() throws Exception {
        Document chart = draw(new LineChart("chart-bytes", "Bytes in and out", ChartUnit.BYTES_PER_SECOND, FROM,
                        FROM + HOUR, INTERVAL), List.of(FROM + 10_000, FROM + 20_000, FROM + 30_000),
                new LineChart.Line("bytes_in", "in", Arrays.asList(100.0, 1536.0, null)),
                new LineChart.Line("bytes_out", "out", Arrays.asList(5.0, 7.0, 0.0)));
        String expected = "Bytes in and out: in 1.5 KiB/s, out 0 B/s at 22:13:50 UTC";
        Element svg = only(chart, "svg");
        assertEquals("img", svg.getAttribute("role"));
        assertEquals(expected, svg.getAttribute("aria-label"));
        assertEquals(expected, only(chart, "title").getTextContent());
        Element in = series(chart, "bytes_in");
        assertEquals(1536.0, Double.parseDouble(in.getAttribute("data-latest")));
        assertEquals(FROM + 20_000, Long.parseLong(in.getAttribute("data-latest-time")));
        assertEquals("in: 1.5 KiB/sout: 0 B/s", only(chart, "ul").getTextContent());

        Document empty = draw(new LineChart("c", "Lag", ChartUnit.RECORDS, FROM, FROM + HOUR, INTERVAL), List.of(),
                new LineChart.Line("lag", "lag", List.of()));
        assertEquals("Lag: no samples", only(empty, "svg").getAttribute("aria-label"));
        assertTrue(only(empty, "svg").getTextContent().contains("no samples in this window"));
        assertFalse(series(empty, "lag").hasAttribute("data-latest"));
    }

    @Test
    void everyTextFromItsInputIsEscaped() throws Exception {
        String hostile = "<script>alert(\"x\")</script> & 'y'";
        Html html = new Html();
        new LineChart("c\"><script>", hostile, ChartUnit.RECORDS, FROM, FROM + HOUR, INTERVAL).write(html,
                List.of(FROM + 10_000), List.of(new LineChart.Line("s\"<", hostile, List.of(1.0))));
        String written = html.toString();
        assertFalse(written.contains("<script"), written);
        Document chart = parse(written);
        assertEquals("c\"><script>", chart.getDocumentElement().getAttribute("id"));
        assertEquals(hostile, only(chart, "figcaption").getTextContent());
        assertTrue(only(chart, "svg").getAttribute("aria-label").startsWith(hostile + ": " + hostile + " 1 records"));
        assertEquals("s\"<", series(chart, "s\"<").getAttribute("data-series"));
    }

    @Test
    void unitsWriteValuesInTheirLargestScale() {
        assertEquals("0 B/s", ChartUnit.BYTES_PER_SECOND.format(0));
        assertEquals("1000 B/s", ChartUnit.BYTES_PER_SECOND.format(1000));
        assertEquals("1.5 KiB/s", ChartUnit.BYTES_PER_SECOND.format(1536));
        assertEquals("2.5 MiB/s", ChartUnit.BYTES_PER_SECOND.format(2.5 * (1 << 20)));
        assertEquals("12.5k msg/s", ChartUnit.MESSAGES_PER_SECOND.format(12_500));
        assertEquals("0.33 msg/s", ChartUnit.MESSAGES_PER_SECOND.format(1 / 3.0));
        assertEquals("250 ms", ChartUnit.MILLISECONDS.format(250));
        assertEquals("1.5 s", ChartUnit.MILLISECONDS.format(1500));
        assertEquals("2 min", ChartUnit.SECONDS.format(120));
        assertEquals(ChartUnit.RECORDS_PER_SECOND, ChartUnit.of("records/s"));
        assertEquals(2.5, LineChart.roundStep(2.2));
        assertEquals(50, LineChart.roundStep(31));
        assertEquals(0.1, LineChart.roundStep(0.1), 1e-12);
    }

    private static Document draw(LineChart chart, List<Long> times, LineChart.Line... lines) throws Exception {
        Html html = new Html();
        chart.write(html, times, List.of(lines));
        return parse(html.toString());
    }

    private static Document parse(String markup) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(markup.getBytes(StandardCharsets.UTF_8)));
    }

    private static Element only(Document chart, String tag) {
        NodeList found = chart.getElementsByTagName(tag);
        assertEquals(1, found.getLength(), "one " + tag);
        return (Element) found.item(0);
    }

    private static Element series(Document chart, String name) {
        NodeList groups = chart.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element group = (Element) groups.item(i);
            if (group.getAttribute("data-series").equals(name)) {
                return group;
            }
        }
        throw new AssertionError("No series " + name);
    }

    /** The texts of the axis {@code axis} ("values" or "times"), in order. */
    private static List<String> texts(Document chart, String axis) {
        NodeList groups = chart.getElementsByTagName("g");
        for (int i = 0; i < groups.getLength(); i++) {
            Element group = (Element) groups.item(i);
            if (group.getAttribute("class").equals("axis " + axis)) {
                NodeList texts = group.getElementsByTagName("text");
                List<String> found = new ArrayList<>();
                for (int t = 0; t < texts.getLength(); t++) {
                    found.add(texts.item(t).getTextContent());
                }
                return found;
            }
        }
        throw new AssertionError("No axis " + axis);
    }

    private static List<double[]> points(Element polyline) {
        return Arrays.stream(polyline.getAttribute("points").split(" "))
                .map(p -> Arrays.stream(p.split(",")).mapToDouble(Double::parseDouble).toArray()).toList();
    }

    private static void assertPoint(double x, double y, double[] point) {
        assertEquals(x, point[0], 0.05, "x");
        assertEquals(y, point[1], 0.05, "y");
    }
}
