using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Tests.Metrics.RemotePrometheus;

public sealed class PrometheusBackendTests
{
    /// <summary>A multiple of 60 s, so 15 s steps start exactly here.</summary>
    private const long S = 1_795_399_980;

    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(S);

    private static RangeQuery Query(string selector, bool rate = false, int seconds = 60, int step = 15) =>
        new(SeriesSelector.Parse(selector), rate, Start, Start.AddSeconds(seconds), TimeSpan.FromSeconds(step));

    private static string Matrix(params string[] series) =>
        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[" + string.Join(',', series) + "]}}";

    private static string Series(string labels, params (double At, string Value)[] samples) =>
        "{\"metric\":{" + labels + "},\"values\":["
        + string.Join(',', samples.Select(s => $"[{(S + s.At).ToString(CultureInfo.InvariantCulture)},\"{s.Value}\"]")) + "]}";

    [Fact]
    public async Task A_matrix_is_aligned_onto_the_steps_with_NaN_gaps_and_special_values_and_sorted_like_the_local_path()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, Matrix(
            Series("\"__name__\":\"temp\",\"room\":\"b\",\"job\":\"shop\",\"instance\":\"a:1\"", (0, "1.5"), (15, "NaN"), (45, "+Inf")),
            Series("\"__name__\":\"temp\",\"job\":\"shop\",\"instance\":\"a:1\"", (30.000, "-Inf"), (60, "2e3"))));

        var result = await stub.Backend().QueryRangeAsync(Query("temp{job=\"shop\"}"), TimeSpan.FromMinutes(1), 10, CancellationToken.None);

        Assert.Equal(QuerySource.Prometheus, result.Source);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (S + (15 * i)) * 1000), result.TimestampsMs);
        Assert.Equal(2, result.MatchedSeries);
        Assert.False(result.Truncated);
        var (plain, room) = (result.Series[0], result.Series[1]);
        Assert.Equal("temp", plain.Name);
        Assert.Equal(["instance", "job"], plain.Labels.Select(l => l.Key));
        Assert.Equal([double.NaN, double.NaN, double.NegativeInfinity, double.NaN, 2000], plain.Values);
        Assert.Equal(["instance", "job", "room"], room.Labels.Select(l => l.Key));
        Assert.Equal("b", room.Labels[2].Value);
        Assert.Equal([1.5, double.NaN, double.NaN, double.PositiveInfinity, double.NaN], room.Values);
        Assert.Equal((S + 60) * 1000, result.LastDataMs);
    }

    [Fact]
    public async Task The_range_is_sent_as_seconds_from_the_step_aligned_start_by_GET()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, Matrix());
        var query = new RangeQuery(SeriesSelector.Parse("up"), false, Start.AddSeconds(7), Start.AddSeconds(61.5), TimeSpan.FromMilliseconds(15_500));

        var result = await stub.Backend().QueryRangeAsync(query, TimeSpan.FromMinutes(1), 10, CancellationToken.None);

        var request = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("http://prometheus.test:9090/api/v1/query_range", request.Uri.GetLeftPart(UriPartial.Path));
        var aligned = (S + 7) * 1000 / 15_500 * 15_500;
        Assert.Equal(new Dictionary<string, string>
        {
            ["query"] = "up",
            ["start"] = (aligned / 1000.0).ToString(CultureInfo.InvariantCulture),
            ["end"] = ((aligned + (3 * 15_500)) / 1000.0).ToString(CultureInfo.InvariantCulture),
            ["step"] = "15.5",
        }, request.Parameters);
        Assert.Equal(aligned, result.TimestampsMs[0]);
        Assert.Empty(result.Series);
        Assert.Equal(0, result.MatchedSeries);
    }

    [Fact]
    public async Task A_rate_query_sends_PromQL_rate_with_the_window_and_keeps_the_metric_name_Prometheus_drops()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, Matrix(Series("\"code\":\"500\"", (0, "0.25"))));

        var result = await stub.Backend().QueryRangeAsync(Query("req{code=\"500\"}", rate: true), TimeSpan.FromSeconds(60), 10, CancellationToken.None);

        Assert.Equal("rate(req{code=\"500\"}[60s])", stub.Requests.Single().Parameters["query"]);
        var series = Assert.Single(result.Series);
        Assert.Equal("req", series.Name);
        Assert.Equal(0.25, series.Values[0]);
    }

    [Fact]
    public async Task Series_beyond_the_cap_are_counted_and_the_kept_ones_do_not_depend_on_Prometheus_order()
    {
        string[] three = [Series("\"code\":\"500\"", (0, "1")), Series("\"code\":\"200\"", (0, "2")), Series("\"code\":\"404\"", (0, "3"))];
        var forward = new StubPrometheus(HttpStatusCode.OK, Matrix(three));
        var backward = new StubPrometheus(HttpStatusCode.OK, Matrix([.. three.Reverse()]));

        var a = await forward.Backend().QueryRangeAsync(Query("req"), TimeSpan.FromMinutes(1), 2, CancellationToken.None);
        var b = await backward.Backend().QueryRangeAsync(Query("req"), TimeSpan.FromMinutes(1), 2, CancellationToken.None);

        Assert.Equal(3, a.MatchedSeries);
        Assert.True(a.Truncated);
        Assert.Equal(["200", "404"], a.Series.Select(s => s.Labels.Single().Value));
        Assert.Equal(a.Series.Select(s => s.Legend), b.Series.Select(s => s.Legend));
    }

    [Fact]
    public async Task A_long_query_goes_as_a_form_encoded_POST()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, Matrix());
        var alternatives = string.Join('|', Enumerable.Range(0, 600).Select(i => $"host-{i}"));

        await stub.Backend().QueryRangeAsync(Query($"up{{instance=~\"{alternatives}\"}}"), TimeSpan.FromMinutes(1), 10, CancellationToken.None);

        var request = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
        Assert.Equal("", request.Uri.Query);
        Assert.Equal($"up{{instance=~\"{alternatives}\"}}", request.Parameters["query"]);
        Assert.Equal("15", request.Parameters["step"]);
    }

    [Fact]
    public async Task Credentials_go_as_bearer_or_basic_authorization_and_never_into_the_description()
    {
        var bearer = new StubPrometheus(HttpStatusCode.OK, Matrix());
        var basic = new StubPrometheus(HttpStatusCode.OK, Matrix());
        var inUrl = new StubPrometheus(HttpStatusCode.OK, Matrix());

        await bearer.Backend(o => o.BearerToken = "s3cret").QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, CancellationToken.None);
        var withBasic = basic.Backend(o => (o.Url, o.Username, o.Password) = ("https://u:p@proxy.test/prometheus", "ops", "pa:ss"));
        await withBasic.QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, CancellationToken.None);
        var withUrlCredentials = inUrl.Backend(o => o.Url = "https://reader:p%40ss@proxy.test/prometheus/");
        await withUrlCredentials.QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, CancellationToken.None);

        Assert.Equal("Bearer s3cret", bearer.Requests.Single().Authorization);
        Assert.Equal($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:pa:ss"))}", basic.Requests.Single().Authorization);
        Assert.Equal($"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("reader:p@ss"))}", inUrl.Requests.Single().Authorization);
        Assert.All(basic.Requests.Concat(inUrl.Requests), r => Assert.Equal("https://proxy.test/prometheus/api/v1/query_range", r.Uri.GetLeftPart(UriPartial.Path)));
        Assert.Equal("Prometheus at https://proxy.test/prometheus", withBasic.Description);
        Assert.Equal("Prometheus at https://proxy.test/prometheus", withUrlCredentials.Description);
    }

    [Fact]
    public async Task Job_labels_translate_a_target_name_to_the_Prometheus_job_and_back()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, Matrix(
            Series("\"job\":\"sampleshop\",\"instance\":\"a:1\"", (0, "1")),
            Series("\"job\":\"other\",\"instance\":\"a:1\"", (0, "0"))));
        var backend = stub.Backend(o => o.JobLabels["shop"] = "sampleshop");

        var result = await backend.QueryRangeAsync(Query("up{job=\"shop\", instance=\"a:1\"}"), TimeSpan.FromMinutes(1), 10, CancellationToken.None);

        Assert.Equal("up{job=\"sampleshop\", instance=\"a:1\"}", stub.Requests.Single().Parameters["query"]);
        Assert.Equal(["other", "shop"], result.Series.Select(s => s.Labels.Single(l => l.Key == "job").Value));
    }

    [Fact]
    public async Task Metric_names_come_from_the_name_label_values()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, """{"status":"success","data":["go_goroutines","up"]}""");

        var names = await stub.Backend().MetricNamesAsync(CancellationToken.None);

        Assert.Equal(["go_goroutines", "up"], names);
        Assert.Equal("http://prometheus.test:9090/api/v1/label/__name__/values", stub.Requests.Single().Uri.ToString());
    }

    public static TheoryData<HttpStatusCode, string, string, string, int> Failures => new()
    {
        {
            HttpStatusCode.BadRequest, "application/json",
            """{"status":"error","errorType":"bad_data","error":"1:4: parse error: error parsing regexp: invalid repeat count: `{1001}`"}""",
            "Prometheus rejected the query: 1:4: parse error: error parsing regexp: invalid repeat count: `{1001}`", 1
        },
        {
            HttpStatusCode.UnprocessableEntity, "application/json",
            """{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}""",
            "Prometheus could not run the query: query processing would load too many samples into memory", 1
        },
        {
            HttpStatusCode.InternalServerError, "application/json",
            """{"status":"error","errorType":"internal","error":"storage is closed"}""",
            "Prometheus at http://prometheus.test:9090 answered HTTP 500 Internal Server Error (internal): storage is closed", 1
        },
        {
            HttpStatusCode.BadGateway, "text/html", "<html>\n<h1>502 Bad Gateway</h1>\n</html>",
            "Prometheus at http://prometheus.test:9090 failed: HTTP 502 Bad Gateway: \"<html> <h1>502 Bad Gateway</h1> </html>\".", 3
        },
        {
            HttpStatusCode.Unauthorized, "text/plain", "Unauthorized",
            "Prometheus at http://prometheus.test:9090 refused the request (HTTP 401 Unauthorized); check Metrics:Prometheus:BearerToken or Username/Password.", 1
        },
        {
            HttpStatusCode.NotFound, "text/plain", "404 page not found",
            "Prometheus at http://prometheus.test:9090 has no /api/v1/query_range (HTTP 404 Not Found); Metrics:Prometheus:Url must be the server's base address.", 1
        },
        {
            HttpStatusCode.OK, "text/html", "<!doctype html><title>Grafana</title>",
            "Prometheus at http://prometheus.test:9090 answered HTTP 200 OK with something that is not a Prometheus API response (text/html: \"<!doctype html><title>Grafana</title>\").", 1
        },
        {
            HttpStatusCode.OK, "application/json", """{"status":"success","data":{"resultType":"vector","result":[]}}""",
            "Prometheus at http://prometheus.test:9090 answered a range query with \"vector\" data instead of a matrix.", 1
        },
        {
            HttpStatusCode.OK, "application/json", """{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1795399980,"twelve"]]}]}}""",
            "Prometheus at http://prometheus.test:9090 answered a range query with data the console cannot read: the value \"twelve\" is not a number", 1
        },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Failures_are_described_in_words_and_only_gateway_errors_are_retried(HttpStatusCode status, string contentType, string body, string message, int attempts)
    {
        var stub = new StubPrometheus(status, body, contentType);

        var error = await Assert.ThrowsAsync<MetricQueryException>(() => stub.Backend().QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, CancellationToken.None));

        Assert.Equal(message, error.Message);
        Assert.Equal(attempts, stub.Requests.Count);
        // Only what Prometheus refused in the query itself is the person's to fix in the query box.
        Assert.Equal(message.StartsWith("Prometheus rejected", StringComparison.Ordinal) || message.StartsWith("Prometheus could not run", StringComparison.Ordinal), error.IsInvalidQuery);
    }

    [Fact]
    public async Task An_expression_is_sent_as_written_and_its_series_keep_the_name_Prometheus_returns()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, Matrix(
            Series("\"code\":\"500\"", (0, "0.5")),
            Series("\"__name__\":\"up\",\"job\":\"shop\"", (0, "1"))));
        var query = RangeQuery.OfExpression("sum by (code) (rate(req[5m])) or up", Start, Start.AddSeconds(60), TimeSpan.FromSeconds(15));

        var result = await stub.Backend().QueryRangeAsync(query, TimeSpan.FromMinutes(1), 10, CancellationToken.None);

        Assert.Equal("sum by (code) (rate(req[5m])) or up", stub.Requests.Single().Parameters["query"]);
        Assert.Equal(["", "up"], result.Series.Select(s => s.Name));
        Assert.Equal(0.5, result.Series[0].Values[0]);
    }

    [Fact]
    public async Task A_refused_connection_is_retried_then_named_with_the_url()
    {
        var stub = new StubPrometheus((_, _) => throw new HttpRequestException(
            HttpRequestError.ConnectionError, "Connection refused (prometheus.test:9090)", new SocketException((int)SocketError.ConnectionRefused)));

        var error = await Assert.ThrowsAsync<MetricQueryException>(() => stub.Backend().QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, CancellationToken.None));

        Assert.Equal("Prometheus at http://prometheus.test:9090 cannot be reached: connection refused.", error.Message);
        Assert.Equal(3, stub.Requests.Count);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_times_out_with_the_setting_named()
    {
        var stub = new StubPrometheus(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });

        var error = await Assert.ThrowsAsync<MetricQueryException>(() =>
            stub.Backend(o => o.Timeout = TimeSpan.FromMilliseconds(150)).QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, CancellationToken.None));

        Assert.Equal("Prometheus at http://prometheus.test:9090 did not answer within 0.15 s (Metrics:Prometheus:Timeout).", error.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation()
    {
        using var caller = new CancellationTokenSource();
        var stub = new StubPrometheus(async (_, ct) =>
        {
            await caller.CancelAsync(); // the page went away while the request was in flight
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stub.Backend().QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, caller.Token));
    }

    [Fact]
    public async Task A_POST_is_not_retried()
    {
        var stub = new StubPrometheus(HttpStatusCode.ServiceUnavailable, "busy", "text/plain");
        var alternatives = string.Join('|', Enumerable.Range(0, 600).Select(i => $"host-{i}"));

        await Assert.ThrowsAsync<MetricQueryException>(() =>
            stub.Backend().QueryRangeAsync(Query($"up{{instance=~\"{alternatives}\"}}"), TimeSpan.FromMinutes(1), 10, CancellationToken.None));

        Assert.Equal(HttpMethod.Post, Assert.Single(stub.Requests).Method);
    }

    [Fact]
    public async Task Prometheus_warnings_become_the_results_notice()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK,
            """{"status":"success","warnings":["remote read unavailable"],"data":{"resultType":"matrix","result":[]}}""");

        var result = await stub.Backend().QueryRangeAsync(Query("up"), TimeSpan.FromMinutes(1), 10, CancellationToken.None);

        Assert.Equal("Prometheus warns: remote read unavailable", result.Notice);
    }
}
