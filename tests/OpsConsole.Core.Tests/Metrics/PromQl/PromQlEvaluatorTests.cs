using OpsConsole.Core.Metrics.PromQl;

namespace OpsConsole.Core.Tests.Metrics.PromQl;

/// <summary>Cases worked out by hand from the Prometheus documentation and 2.42's engine semantics.</summary>
public sealed class PromQlEvaluatorTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void An_instant_selector_reads_the_newest_sample_within_five_minutes_inclusive()
    {
        var store = new TestStore().Add("temperature{room=\"a\"}", (0, 20), (60, 21));

        Assert.Equal(21, store.Vector("temperature", 60)["{__name__=\"temperature\", room=\"a\"}"]);
        Assert.Equal(20, store.Vector("temperature", 59.999).Single().Value);
        Assert.Equal(21, store.Vector("temperature", 360).Single().Value); // exactly 5 min old: still there
        Assert.Empty(store.Vector("temperature", 360.001));
        Assert.Empty(store.Vector("temperature", -1)); // before the first sample
    }

    [Fact]
    public void A_stale_marker_ends_the_series_at_once_until_the_next_sample()
    {
        var store = new TestStore().Add("queue_depth", (0, 5)).Stale("queue_depth", 15).Add("queue_depth", (30, 7));

        Assert.Equal(5, store.Vector("queue_depth", 14).Single().Value);
        Assert.Empty(store.Vector("queue_depth", 15));
        Assert.Empty(store.Vector("queue_depth", 29));
        Assert.Equal(7, store.Vector("queue_depth", 30).Single().Value);
    }

    [Fact]
    public void Range_windows_are_closed_at_both_ends_and_skip_stale_markers()
    {
        var store = new TestStore().Add("g", (0, 3), (15, 1), (30, 4), (45, 1), (60, 5));

        Assert.Equal(5, store.Vector("count_over_time(g[1m])", 60).Single().Value); // [0, 60]: the sample at 0 counts
        Assert.Equal(4, store.Vector("count_over_time(g[59s])", 60).Single().Value);

        var stale = new TestStore().Add("h", (0, 1), (15, 2)).Stale("h", 20).Add("h", (30, 3));
        Assert.Equal(3, stale.Vector("count_over_time(h[1m])", 30).Single().Value);
    }

    [Fact]
    public void Over_time_functions_drop_the_name_except_last_over_time()
    {
        var store = new TestStore().Add("g{pod=\"p\"}", (0, 3), (15, 1), (30, 4), (45, 1), (60, 5));

        Assert.Equal(2.8, store.Vector("avg_over_time(g[1m])", 60)["{pod=\"p\"}"], Tolerance);
        Assert.Equal(1, store.Vector("min_over_time(g[1m])", 60)["{pod=\"p\"}"]);
        Assert.Equal(5, store.Vector("max_over_time(g[1m])", 60)["{pod=\"p\"}"]);
        Assert.Equal(14, store.Vector("sum_over_time(g[1m])", 60)["{pod=\"p\"}"]);
        Assert.Equal(5, store.Vector("count_over_time(g[1m])", 60)["{pod=\"p\"}"]);
        Assert.Equal(5, store.Vector("last_over_time(g[1m])", 60)["{__name__=\"g\", pod=\"p\"}"]);
        Assert.Empty(store.Vector("max_over_time(g[1m])", 200)); // nothing in (140, 200]
    }

    [Fact]
    public void Rate_and_increase_extrapolate_to_the_window_edges()
    {
        // 1/s from 10 at t=5: window [0, 60] holds t=5..50; 5 s to the start and 10 s to the end are under 1.1 x the
        // 15 s spacing, so the 45 s of samples extrapolate to the full 60 s.
        var store = new TestStore().Add("c_total", (5, 10), (20, 25), (35, 40), (50, 55));

        Assert.Equal(1.0, store.Vector("rate(c_total[1m])", 60).Single().Value, Tolerance);
        Assert.Equal(60, store.Vector("increase(c_total[1m])", 60).Single().Value, Tolerance);

        // Window [0, 120]: 70 s to the end is beyond the threshold, so only half a spacing (7.5 s) is added there.
        Assert.Equal(57.5, store.Vector("increase(c_total[2m])", 120).Single().Value, Tolerance);
        Assert.Equal(57.5 / 120, store.Vector("rate(c_total[2m])", 120).Single().Value, Tolerance);
    }

    [Fact]
    public void Rate_does_not_extrapolate_a_counter_below_zero()
    {
        // From 2 at t=5, rising 1/s, the counter was zero at t=3: extrapolate 2 s back, not 5.
        var store = new TestStore().Add("c_total", (5, 2), (20, 17), (35, 32), (50, 47));

        Assert.Equal(57, store.Vector("increase(c_total[1m])", 60).Single().Value, Tolerance);
        Assert.Equal(0.95, store.Vector("rate(c_total[1m])", 60).Single().Value, Tolerance);
    }

    [Fact]
    public void A_counter_reset_counts_the_value_before_the_drop()
    {
        // 10 -> 25 -> (reset) 5 -> 20: an increase of 15 + 5 + 15 = 35 over 45 s, extrapolated to 60 s.
        var store = new TestStore().Add("c_total", (5, 10), (20, 25), (35, 5), (50, 20));

        Assert.Equal(35 * 60 / 45.0, store.Vector("increase(c_total[1m])", 60).Single().Value, Tolerance);
        Assert.Equal(35 / 45.0, store.Vector("rate(c_total[1m])", 60).Single().Value, Tolerance);
        Assert.Equal(1, store.Vector("irate(c_total[1m])", 60).Single().Value, Tolerance);
        Assert.Equal(5 / 15.0, store.Vector("irate(c_total[1m])", 35).Single().Value, Tolerance); // the drop itself: 5 since the reset
    }

    [Fact]
    public void Rate_needs_two_samples_in_the_window()
    {
        var store = new TestStore().Add("c_total", (0, 1), (100, 2));

        Assert.Empty(store.Vector("rate(c_total[1m])", 100));
        Assert.Empty(store.Vector("irate(c_total[1m])", 100));
        Assert.Single(store.Vector("rate(c_total[2m])", 100));
    }

    [Fact]
    public void Aggregations_group_by_or_without_labels_and_drop_the_name()
    {
        var store = new TestStore()
            .Add("http_requests_total{job=\"a\", instance=\"1\", code=\"200\"}", (0, 1))
            .Add("http_requests_total{job=\"a\", instance=\"2\", code=\"500\"}", (0, 2))
            .Add("http_requests_total{job=\"b\", instance=\"1\", code=\"200\"}", (0, 4));

        Assert.Equal(new Dictionary<string, double> { ["{job=\"a\"}"] = 3, ["{job=\"b\"}"] = 4 }, store.Vector("sum by (job) (http_requests_total)", 0));
        Assert.Equal(
            new Dictionary<string, double> { ["{code=\"200\", job=\"a\"}"] = 1, ["{code=\"500\", job=\"a\"}"] = 2, ["{code=\"200\", job=\"b\"}"] = 4 },
            store.Vector("sum without (instance) (http_requests_total)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{}"] = 7 }, store.Vector("sum(http_requests_total)", 0));
        Assert.Equal(7 / 3.0, store.Vector("avg(http_requests_total)", 0)["{}"], Tolerance);
        Assert.Equal(new Dictionary<string, double> { ["{code=\"200\"}"] = 4, ["{code=\"500\"}"] = 2 }, store.Vector("max by (code) (http_requests_total)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{code=\"200\"}"] = 1, ["{code=\"500\"}"] = 2 }, store.Vector("min(http_requests_total) by (code)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{instance=\"1\"}"] = 2, ["{instance=\"2\"}"] = 1 }, store.Vector("count by (instance) (http_requests_total)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"http_requests_total\"}"] = 3 }, store.Vector("count by (__name__) (http_requests_total)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{}"] = 3 }, store.Vector("count by (nolabel) (http_requests_total)", 0));
    }

    [Fact]
    public void Aggregations_and_matching_hold_for_many_groups()
    {
        var store = new TestStore();
        for (var job = 0; job < 300; job++)
        {
            store.Add($"errors{{job=\"j{job}\", pod=\"a\"}}", (0, job)).Add($"errors{{job=\"j{job}\", pod=\"b\"}}", (0, 1));
            store.Add($"requests{{job=\"j{job}\", pod=\"a\"}}", (0, 1000));
        }

        var ratio = store.Vector("sum by (job) (errors) / sum by (job) (requests)", 0);

        Assert.Equal(300, ratio.Count);
        Assert.All(Enumerable.Range(0, 300), job => Assert.Equal((job + 1) / 1000.0, ratio[$"{{job=\"j{job}\"}}"], Tolerance));
        Assert.Equal(600, store.Vector("errors * on(job) group_left requests", 0).Count);
    }

    [Fact]
    public void Comparisons_filter_and_keep_the_left_value_unless_bool()
    {
        var store = new TestStore().Add("x{i=\"1\"}", (0, 1)).Add("x{i=\"2\"}", (0, 5)).Add("y{i=\"1\"}", (0, 3)).Add("y{i=\"2\"}", (0, 3));

        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"x\", i=\"2\"}"] = 5 }, store.Vector("x > 2", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"x\", i=\"2\"}"] = 5 }, store.Vector("2 < x", 0)); // the vector's value, though on the right
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = 0, ["{i=\"2\"}"] = 1 }, store.Vector("x > bool 2", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"x\", i=\"2\"}"] = 5 }, store.Vector("x > y", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"y\", i=\"1\"}"] = 3 }, store.Vector("y > x", 0));
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = 0, ["{i=\"2\"}"] = 1 }, store.Vector("x >= bool y", 0));
        Assert.Equal(1, store.Scalar("2 >= bool 2", 0));
        Assert.Equal(0, store.Scalar("1 == bool 2", 0));
    }

    [Fact]
    public void Arithmetic_drops_the_name_and_follows_IEEE()
    {
        var store = new TestStore().Add("x{i=\"1\"}", (0, 3)).Add("y{i=\"1\"}", (0, 2));

        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = 9 }, store.Vector("x ^ 2", 0));
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = -3 }, store.Vector("-x", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"x\", i=\"1\"}"] = 3 }, store.Vector("+x", 0));
        Assert.Equal(1, store.Vector("x % y", 0).Single().Value);
        Assert.Equal(1.5, store.Vector("x / y", 0).Single().Value);
        Assert.Equal(double.PositiveInfinity, store.Vector("x / 0", 0).Single().Value);
        Assert.True(double.IsNaN(store.Vector("x % 0", 0).Single().Value));
        Assert.Equal(512, store.Scalar("2 ^ 3 ^ 2", 0));
        Assert.Equal(7, store.Scalar("1 + 2 * 3", 0));
        Assert.Equal(-2, store.Scalar("-5 % 3", 0));
        Assert.Equal(-1, store.Scalar("-1 ^ 2", 0));
    }

    [Fact]
    public void One_to_one_matching_pairs_on_all_labels_but_the_name_or_the_listed_ones()
    {
        var store = new TestStore()
            .Add("errors{job=\"a\", instance=\"1\"}", (0, 5))
            .Add("errors{job=\"b\", instance=\"1\"}", (0, 1))
            .Add("requests{job=\"a\", instance=\"1\"}", (0, 50))
            .Add("requests{job=\"b\", instance=\"2\"}", (0, 10));

        Assert.Equal(new Dictionary<string, double> { ["{instance=\"1\", job=\"a\"}"] = 0.1 }, store.Vector("errors / requests", 0));
        Assert.Equal(new Dictionary<string, double> { ["{job=\"a\"}"] = 0.1, ["{job=\"b\"}"] = 0.1 }, store.Vector("errors / on(job) requests", 0));
        Assert.Equal(new Dictionary<string, double> { ["{job=\"a\"}"] = 0.1, ["{job=\"b\"}"] = 0.1 }, store.Vector("errors / ignoring(instance) requests", 0));
        Assert.Equal(new Dictionary<string, double> { ["{job=\"a\"}"] = 5, ["{job=\"b\"}"] = 1 }, store.Vector("errors > on(job) requests / 20", 0)); // on() keeps only its labels
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"errors\", instance=\"1\", job=\"a\"}"] = 5 }, store.Vector("errors > requests / 20", 0));
    }

    [Fact]
    public void Group_left_and_group_right_copy_labels_from_the_one_side()
    {
        var store = new TestStore()
            .Add("requests{instance=\"i1\", path=\"/a\"}", (0, 10))
            .Add("requests{instance=\"i1\", path=\"/b\"}", (0, 20))
            .Add("requests{instance=\"i2\", path=\"/a\"}", (0, 30))
            .Add("build_info{instance=\"i1\", version=\"1.0\"}", (0, 1))
            .Add("build_info{instance=\"i2\", version=\"2.0\"}", (0, 2));
        var expected = new Dictionary<string, double>
        {
            ["{instance=\"i1\", path=\"/a\", version=\"1.0\"}"] = 10,
            ["{instance=\"i1\", path=\"/b\", version=\"1.0\"}"] = 20,
            ["{instance=\"i2\", path=\"/a\", version=\"2.0\"}"] = 60,
        };

        Assert.Equal(expected, store.Vector("requests * on(instance) group_left(version) build_info", 0));
        Assert.Equal(expected, store.Vector("build_info * on(instance) group_right(version) requests", 0));
        Assert.Equal(
            new Dictionary<string, double> { ["{instance=\"i1\", path=\"/a\"}"] = 10, ["{instance=\"i1\", path=\"/b\"}"] = 20, ["{instance=\"i2\", path=\"/a\"}"] = 60 },
            store.Vector("requests * ignoring(path, version) group_left build_info", 0));
        Assert.Equal(3, store.Vector("build_info < on(instance) group_right requests", 0).Count); // comparison keeps the left (one) side's value
        Assert.All(store.Vector("build_info < on(instance) group_right requests", 0), kv => Assert.Contains("__name__=\"requests\"", kv.Key, StringComparison.Ordinal));
    }

    [Fact]
    public void Matching_errors_are_evaluation_errors_with_Prometheus_wording()
    {
        var store = new TestStore()
            .Add("requests{instance=\"i1\", path=\"/a\"}", (0, 10))
            .Add("requests{instance=\"i1\", path=\"/b\"}", (0, 20))
            .Add("build_info{instance=\"i1\", version=\"1.0\"}", (0, 1));

        var manyToMany = Assert.Throws<PromQlEvaluationException>(() => store.Evaluate("requests * on(instance) requests", 0));
        Assert.StartsWith("found duplicate series for the match group {instance=\"i1\"} on the right hand-side of the operation: [", manyToMany.Message, StringComparison.Ordinal);
        Assert.EndsWith("many-to-many matching not allowed: matching labels must be unique on one side", manyToMany.Message, StringComparison.Ordinal);
        Assert.Equal(9, manyToMany.Position);

        var implicitManyToOne = Assert.Throws<PromQlEvaluationException>(() => store.Evaluate("requests * on(instance) build_info", 0));
        Assert.Equal("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)", implicitManyToOne.Message);

        // As in Prometheus 2.42, an empty side short-circuits before the duplicate check.
        Assert.Empty(store.Vector("nothing * on(instance) requests", 0));
        Assert.Empty(store.Vector("requests * on(instance) nothing", 0));

        var duplicateOutput = Assert.Throws<PromQlEvaluationException>(() => store.Evaluate("sum without(path) (requests) + on(instance) group_left requests", 0));
        Assert.StartsWith("found duplicate series for the match group", duplicateOutput.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_to_one_results_must_stay_distinct()
    {
        // Both "many" series take version="3" from the one side: their results would be the same series.
        var store = new TestStore()
            .Add("a{instance=\"i1\", version=\"1\"}", (0, 1))
            .Add("a{instance=\"i1\", version=\"2\"}", (0, 2))
            .Add("b{instance=\"i1\", version=\"3\"}", (0, 10));

        Assert.Equal(2, store.Vector("a * on(instance) group_left b", 0).Count);
        var ex = Assert.Throws<PromQlEvaluationException>(() => store.Evaluate("a * on(instance) group_left(version) b", 0));
        Assert.Equal("multiple matches for matching labels in many-to-one matching", ex.Message);
    }

    [Fact]
    public void And_or_unless_match_on_labels_and_keep_the_left_sides_series()
    {
        var store = new TestStore()
            .Add("a{x=\"1\", y=\"1\"}", (0, 1))
            .Add("a{x=\"2\", y=\"1\"}", (0, 2))
            .Add("b{x=\"1\", y=\"2\"}", (0, 10));

        Assert.Empty(store.Vector("a and b", 0)); // all labels but the name differ
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"a\", x=\"1\", y=\"1\"}"] = 1 }, store.Vector("a and on(x) b", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"a\", x=\"2\", y=\"1\"}"] = 2 }, store.Vector("a unless on(x) b", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"a\", x=\"2\", y=\"1\"}"] = 2 }, store.Vector("a unless ignoring(y) b", 0));
        Assert.Equal(
            new Dictionary<string, double> { ["{__name__=\"a\", x=\"1\", y=\"1\"}"] = 1, ["{__name__=\"a\", x=\"2\", y=\"1\"}"] = 2, ["{__name__=\"b\", x=\"1\", y=\"2\"}"] = 10 },
            store.Vector("a or b", 0));
        Assert.Equal(2, store.Vector("a or on(x) b", 0).Count);
        Assert.Equal(new Dictionary<string, double> { ["{}"] = 0 }, store.Vector("nothing or vector(0)", 0));
    }

    [Fact]
    public void Absent_takes_its_labels_from_the_equality_matchers()
    {
        var store = new TestStore().Add("up{job=\"api\"}", (0, 1));

        Assert.Equal(new Dictionary<string, double> { ["{job=\"web\"}"] = 1 }, store.Vector("absent(up{job=\"web\"})", 0));
        Assert.Empty(store.Vector("absent(up{job=\"api\"})", 0));
        Assert.Equal(
            new Dictionary<string, double> { ["{job=\"a\"}"] = 1 },
            store.Vector("absent(nonexistent{job=\"a\", instance=~\"x.*\", env=\"p\", env=\"q\"})", 0)); // env twice: neither kept
        Assert.Equal(new Dictionary<string, double> { ["{}"] = 1 }, store.Vector("absent(sum(nonexistent{job=\"a\"}))", 0));
        Assert.Equal(new Dictionary<string, double> { ["{job=\"a\"}"] = 1 }, store.Vector("absent((nonexistent{job=\"a\"}))", 0));
        Assert.Equal(new Dictionary<string, double> { ["{job=\"api\"}"] = 1 }, store.Vector("absent(up{job=\"api\"})", 301)); // older than the lookback
    }

    [Fact]
    public void Absent_over_time_sees_any_sample_in_the_window()
    {
        var store = new TestStore().Add("heartbeat{job=\"a\"}", (0, 1)).Stale("heartbeat{job=\"a\"}", 30);

        Assert.Empty(store.Vector("absent_over_time(heartbeat{job=\"a\"}[1m])", 60));
        Assert.Equal(new Dictionary<string, double> { ["{job=\"a\"}"] = 1 }, store.Vector("absent_over_time(heartbeat{job=\"a\"}[1m])", 61)); // only the stale marker left
    }

    [Fact]
    public void Histogram_quantile_interpolates_inside_the_bucket_per_group()
    {
        var store = new TestStore();
        foreach (var (le, count) in new[] { ("0.1", 1.0), ("0.5", 3), ("1", 7), ("+Inf", 8) })
        {
            store.Add($"latency_bucket{{job=\"a\", le=\"{le}\"}}", (0, count));
            store.Add($"latency_bucket{{job=\"b\", le=\"{le}\"}}", (0, count * 2));
        }

        // q=0.5: rank 4 falls in (0.5, 1] holding 4 of its own; 1 of them needed: 0.5 + 0.5 * 1/4.
        Assert.Equal(new Dictionary<string, double> { ["{job=\"a\"}"] = 0.625, ["{job=\"b\"}"] = 0.625 }, store.Vector("histogram_quantile(0.5, latency_bucket)", 0));
        Assert.Equal(0.08, store.Vector("histogram_quantile(0.1, latency_bucket{job=\"a\"})", 0).Single().Value, Tolerance);
        Assert.Equal(1, store.Vector("histogram_quantile(0.95, latency_bucket{job=\"a\"})", 0).Single().Value); // in +Inf: its lower bound
        Assert.Equal(double.PositiveInfinity, store.Vector("histogram_quantile(2, latency_bucket{job=\"a\"})", 0).Single().Value);
        Assert.Equal(0.625, store.Vector("histogram_quantile(0.5, sum by (le) (latency_bucket))", 0)["{}"], Tolerance);
    }

    [Fact]
    public void Histogram_quantile_repairs_non_monotonic_buckets_and_needs_the_inf_bucket()
    {
        var store = new TestStore()
            .Add("h_bucket{le=\"1\"}", (0, 5))
            .Add("h_bucket{le=\"2\"}", (0, 4)) // scraped a moment apart: lower than the bucket below, taken as 5
            .Add("h_bucket{le=\"+Inf\"}", (0, 10))
            .Add("partial_bucket{le=\"1\"}", (0, 5))
            .Add("partial_bucket{le=\"2\"}", (0, 10));

        // rank 7.5 is past le=2 (count 5 after repair): in +Inf, so the largest finite bound.
        Assert.Equal(2, store.Vector("histogram_quantile(0.75, h_bucket)", 0).Single().Value);
        Assert.Equal(0.8, store.Vector("histogram_quantile(0.4, h_bucket)", 0).Single().Value, Tolerance);
        Assert.True(double.IsNaN(store.Vector("histogram_quantile(0.5, partial_bucket)", 0).Single().Value));
    }

    [Fact]
    public void Scalar_vector_time_and_value_functions()
    {
        var store = new TestStore().Add("x{i=\"1\"}", (0, -2.5)).Add("x{i=\"2\"}", (0, 1.25));

        Assert.Equal(100, store.Scalar("time()", 100));
        Assert.Equal(new Dictionary<string, double> { ["{}"] = 3 }, store.Vector("vector(1 + 2)", 0));
        Assert.Equal(1.25, store.Scalar("scalar(x{i=\"2\"})", 0));
        Assert.True(double.IsNaN(store.Scalar("scalar(x)", 0))); // not exactly one element
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = 2.5, ["{i=\"2\"}"] = 1.25 }, store.Vector("abs(x)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = -2, ["{i=\"2\"}"] = 2 }, store.Vector("ceil(x)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = -3, ["{i=\"2\"}"] = 1 }, store.Vector("floor(x)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = -2, ["{i=\"2\"}"] = 1 }, store.Vector("round(x)", 0)); // ties round up
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = -2.5, ["{i=\"2\"}"] = 1.5 }, store.Vector("round(x, 0.5)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = 0, ["{i=\"2\"}"] = 1.25 }, store.Vector("clamp_min(x, 0)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{i=\"1\"}"] = -2.5, ["{i=\"2\"}"] = 1 }, store.Vector("clamp_max(x, 1)", 0));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"x\", i=\"2\"}"] = 1.25 }, store.Vector("x > scalar(x{i=\"2\"}) - 1", 0));
    }

    [Fact]
    public void Selectors_match_with_every_operator_and_treat_a_missing_label_as_empty()
    {
        var store = new TestStore()
            .Add("r{code=\"200\", method=\"GET\"}", (0, 1))
            .Add("r{code=\"500\", method=\"POST\"}", (0, 2))
            .Add("r{code=\"503\"}", (0, 3));

        Assert.Equal([2.0, 3.0], store.Vector("r{code=~\"5..\"}", 0).Values.Order());
        Assert.Equal([1.0], store.Vector("r{code!~\"5..\"}", 0).Values);
        Assert.Equal([1.0, 3.0], store.Vector("r{method!=\"POST\"}", 0).Values.Order());
        Assert.Equal([3.0], store.Vector("r{method=\"\"}", 0).Values);
        Assert.Equal([3.0], store.Vector("r{method=~\"\"}", 0).Values);
        Assert.Equal([1.0, 2.0], store.Vector("r{method=~\".+\"}", 0).Values.Order());
        Assert.Equal([2.0], store.Vector("r{code=~\"5.*\", method=\"POST\"}", 0).Values);
        Assert.Equal([1.0], store.Vector("r{code=~\"2..|4..\"}", 0).Values); // anchored: "200" only
        Assert.Empty(store.Vector("r{code=~\"0\"}", 0)); // anchored: no partial match
        Assert.Equal(3, store.Vector("{__name__=~\"r|s\"}", 0).Count);
        Assert.Equal(3, store.Vector("{__name__=\"r\"}", 0).Count);
        Assert.Empty(store.Vector("{__name__!=\"r\", code=\"200\"}", 0));
    }

    [Fact]
    public void Labelsets_that_collide_once_the_name_is_dropped_are_an_error()
    {
        var store = new TestStore().Add("a_total{job=\"x\"}", (0, 1), (15, 2)).Add("b_total{job=\"x\"}", (0, 1), (15, 3));

        Assert.Equal(2, store.Vector("{__name__=~\"a_total|b_total\"}", 15).Count);
        var ex = Assert.Throws<PromQlEvaluationException>(() => store.Evaluate("rate({__name__=~\"a_total|b_total\"}[1m])", 15));
        Assert.Equal("vector cannot contain metrics with the same labelset", ex.Message);
        Assert.Throws<PromQlEvaluationException>(() => store.Evaluate("{__name__=~\"a_total|b_total\"} * 2", 15));
        Assert.Equal(2, store.Vector("last_over_time({__name__=~\"a_total|b_total\"}[1m])", 15).Count); // keeps the name
    }

    [Fact]
    public void Typical_alert_expressions_evaluate_end_to_end()
    {
        var store = new TestStore();
        for (var t = 0; t <= 300; t += 15)
        {
            store.Add("http_requests_total{job=\"api\", code=\"200\"}", (t, t * 9.0));
            store.Add("http_requests_total{job=\"api\", code=\"500\"}", (t, t * 1.0));
            store.Add("http_requests_total{job=\"web\", code=\"200\"}", (t, t * 10.0));
        }

        store.Add("up{job=\"api\"}", (300, 1)).Add("up{job=\"web\"}", (300, 0));

        Assert.Equal(
            new Dictionary<string, double> { ["{job=\"api\"}"] = 0.1 },
            store.Vector("sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05", 300).ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 12)));
        Assert.Equal(new Dictionary<string, double> { ["{__name__=\"up\", job=\"web\"}"] = 0 }, store.Vector("up == 0", 300));
        Assert.Equal(300, store.Vector("increase(http_requests_total{job=\"api\", code=\"500\"}[5m]) > 100", 300).Single().Value, 1e-9);
    }
}
