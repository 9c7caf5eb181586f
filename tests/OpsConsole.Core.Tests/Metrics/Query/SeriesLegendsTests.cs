using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Metrics.Query;

public sealed class SeriesLegendsTests
{
    private static ResultSeries Series(string name, params (string Key, string Value)[] labels) =>
        new(name, [.. labels.Select(l => new KeyValuePair<string, string>(l.Key, l.Value))], []);

    [Fact]
    public void Only_the_labels_that_differ_name_each_series()
    {
        var legends = SeriesLegends.For(
        [
            Series("req", ("code", "500"), ("instance", "a:1"), ("job", "shop")),
            Series("req", ("code", "200"), ("instance", "a:1"), ("job", "shop")),
        ], "req");

        Assert.Equal(["{code=\"500\"}", "{code=\"200\"}"], legends);
    }

    [Fact]
    public void Several_differing_labels_all_show_in_label_order()
    {
        var legends = SeriesLegends.For(
        [
            Series("", ("code", "200"), ("instance", "a:1")),
            Series("", ("code", "200"), ("instance", "b:1")),
            Series("", ("code", "500"), ("instance", "a:1")),
        ], "x");

        Assert.Equal(["{code=\"200\", instance=\"a:1\"}", "{code=\"200\", instance=\"b:1\"}", "{code=\"500\", instance=\"a:1\"}"], legends);
    }

    [Fact]
    public void A_label_only_some_series_have_differs_and_a_series_without_any_differing_label_is_the_empty_set()
    {
        var legends = SeriesLegends.For([Series(""), Series("", ("code", "500"))], "sum(x) or sum by (code) (x)");

        Assert.Equal(["{}", "{code=\"500\"}"], legends);
    }

    [Fact]
    public void Different_metric_names_show_the_name()
    {
        var legends = SeriesLegends.For(
        [
            Series("process_cpu_seconds_total", ("job", "shop")),
            Series("process_resident_memory_bytes", ("job", "shop")),
        ], "{job=\"shop\"}");

        Assert.Equal(["process_cpu_seconds_total", "process_resident_memory_bytes"], legends);
    }

    [Fact]
    public void A_lone_series_shows_its_full_label_set_or_the_expression_when_it_has_none()
    {
        Assert.Equal(["req{code=\"500\", job=\"shop\"}"], SeriesLegends.For([Series("req", ("code", "500"), ("job", "shop"))], "req"));
        Assert.Equal(["{code=\"500\"}"], SeriesLegends.For([Series("", ("code", "500"))], "sum by (code) (rate(req[5m]))"));
        Assert.Equal(["sum(rate(req[5m]))"], SeriesLegends.For([Series("")], "sum(rate(req[5m]))"));
        Assert.Empty(SeriesLegends.For([], "req"));
    }

    [Fact]
    public void Values_are_escaped_as_PromQL_writes_them()
    {
        Assert.Equal("{path=\"a\\\"b\"}", SeriesLegends.Format("", [new("path", "a\"b")]));
    }
}
