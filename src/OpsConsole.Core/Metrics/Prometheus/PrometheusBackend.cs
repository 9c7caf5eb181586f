using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.Scraping;
using Polly;
using Polly.Retry;

namespace OpsConsole.Core.Metrics.RemotePrometheus;

/// <summary>
/// Range queries and metric names from a real Prometheus server over its HTTP API (<c>/api/v1/query_range</c>,
/// <c>/api/v1/label/__name__/values</c>). Every failure becomes a <see cref="MetricQueryException"/> in words.
/// </summary>
public sealed partial class PrometheusBackend : IRemoteMetricBackend
{
    public const string HttpClientName = "prometheus";

    /// <summary>Longer form-encoded parameters go as a POST body: proxies often refuse URLs beyond a few KB.</summary>
    internal const int MaxGetParametersLength = 4000;

    private static readonly Prometheus.Counter Queries = Prometheus.Metrics.CreateCounter(
        "opsconsole_prometheus_queries_total", "Queries sent to the configured Prometheus server, by outcome.", "outcome");

    private readonly IHttpClientFactory _httpClients;
    private readonly PrometheusOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PrometheusBackend> _logger;
    private readonly Uri _base;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;
    private readonly Dictionary<string, string> _jobFromPrometheus;

    public PrometheusBackend(IHttpClientFactory httpClients, IOptions<PrometheusOptions> options, TimeProvider time, ILogger<PrometheusBackend> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _httpClients = httpClients;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var url = new UriBuilder(_options.Url ?? throw new InvalidOperationException($"{PrometheusOptions.Section}:Url is not set."));
        if (!url.Path.EndsWith('/'))
        {
            url.Path += "/"; // so "api/v1/…" resolves below a path prefix such as https://proxy/prometheus/
        }

        // Credentials in the URL (http://user:pass@host) work as with curl, unless Username is set; never shown or sent in the URL.
        var (user, password) = string.IsNullOrEmpty(_options.Username)
            ? (Uri.UnescapeDataString(url.UserName), Uri.UnescapeDataString(url.Password))
            : (_options.Username, _options.Password);
        (url.UserName, url.Password) = ("", "");
        _base = url.Uri;
        Description = $"Prometheus at {_base.ToString().TrimEnd('/')}";
        _authorization = !string.IsNullOrEmpty(_options.BearerToken)
            ? new AuthenticationHeaderValue("Bearer", _options.BearerToken)
            : !string.IsNullOrEmpty(user)
                ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")))
                : null;
        _jobFromPrometheus = _options.JobLabels.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        // A short retry for a Prometheus that restarts or a proxy that blips; 4xx and query errors are final.
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => r.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string Description { get; }

    public async Task<QueryResult> QueryRangeAsync(RangeQuery query, TimeSpan rateWindow, int maxSeries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sent = query with { Selector = WithPrometheusJobs(query.Selector) };
        var timestamps = query.StepTimestampsMs();
        var parameters = new Dictionary<string, string>
        {
            ["query"] = sent.ToPromQl(rateWindow),
            ["start"] = PrometheusApi.Seconds(timestamps[0]),
            ["end"] = PrometheusApi.Seconds(timestamps[^1]),
            ["step"] = PrometheusApi.Seconds(query.StepMs),
        };
        var envelope = await CallAsync<MatrixData>("api/v1/query_range", parameters, cancellationToken);
        if (envelope.Data?.ResultType != "matrix")
        {
            throw Fail("invalid_response", $"{Description} answered a range query with \"{envelope.Data?.ResultType}\" data instead of a matrix.");
        }

        var notice = envelope.Warnings is { Count: > 0 } warnings ? $"Prometheus warns: {string.Join("; ", warnings)}" : null;
        QueryResult result;
        try
        {
            result = PrometheusApi.ToResult(envelope.Data, query, maxSeries, job => _jobFromPrometheus.GetValueOrDefault(job, job), notice);
        }
        catch (JsonException ex)
        {
            throw Fail("invalid_response", $"{Description} answered a range query with data the console cannot read: {ex.Message}", ex);
        }

        Queries.WithLabels("ok").Inc();
        return result;
    }

    /// <summary>
    /// An instant query (<c>/api/v1/query</c>) at <paramref name="at"/>, for alert rules: full PromQL, labels as Prometheus
    /// returns them (no job mapping: the expression is Prometheus's own), same deadline, retry and failure words.
    /// </summary>
    public async Task<IReadOnlyList<InstantSample>> InstantQueryAsync(string promQl, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promQl);
        var parameters = new Dictionary<string, string>
        {
            ["query"] = promQl,
            ["time"] = PrometheusApi.Seconds(at.ToUnixTimeMilliseconds()),
        };
        var envelope = await CallAsync<InstantData>("api/v1/query", parameters, cancellationToken);
        IReadOnlyList<InstantSample> samples;
        try
        {
            samples = PrometheusApi.ToSamples(envelope.Data ?? new InstantData());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            throw Fail("invalid_response", $"{Description} answered an instant query with data the console cannot use: {ex.Message}", ex);
        }

        Queries.WithLabels("ok").Inc();
        return samples;
    }

    public string JobOf(string target) => _options.JobLabels.GetValueOrDefault(target, target);

    public async Task<IReadOnlyList<string>> MetricNamesAsync(CancellationToken cancellationToken)
    {
        var envelope = await CallAsync<List<string>>("api/v1/label/__name__/values", new Dictionary<string, string>(), cancellationToken);
        Queries.WithLabels("ok").Inc();
        return envelope.Data ?? [];
    }

    /// <summary>
    /// The console names a service's series job="target name"; a Prometheus server may call the same job otherwise
    /// (Metrics:Prometheus:JobLabels). Only equality matchers can be translated.
    /// </summary>
    private SeriesSelector WithPrometheusJobs(SeriesSelector selector) =>
        _options.JobLabels.Count == 0
            ? selector
            : new SeriesSelector(selector.MetricName, [.. selector.Matchers.Select(m =>
                m is { Name: "job", Op: MatchOp.Equal or MatchOp.NotEqual } && _options.JobLabels.TryGetValue(m.Value, out var job)
                    ? new LabelMatcher("job", m.Op, job)
                    : m)]);

    private async Task<ApiEnvelope<T>> CallAsync<T>(string path, Dictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var form = new FormUrlEncodedContent(parameters);
            var encoded = await form.ReadAsStringAsync(linked.Token);
            using var response = encoded.Length <= MaxGetParametersLength
                ? await _retry.ExecuteAsync(token => new ValueTask<HttpResponseMessage>(SendAsync(HttpMethod.Get, path, encoded, token)), linked.Token)
                : await SendAsync(HttpMethod.Post, path, encoded, linked.Token);
            var body = await response.Content.ReadAsByteArrayAsync(linked.Token);
            return Interpret<T>(response, body, path);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Fail("timeout", $"{Description} did not answer within {_options.Timeout.TotalSeconds:0.###} s ({PrometheusOptions.Section}:Timeout).");
        }
        catch (HttpRequestException ex)
        {
            throw Fail("unreachable", $"{Description} cannot be reached: {ScrapeService.Describe(ex)}.", ex);
        }
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string encoded, CancellationToken cancellationToken)
    {
        var request = method == HttpMethod.Get
            ? new HttpRequestMessage(method, new Uri(_base, encoded.Length == 0 ? path : $"{path}?{encoded}"))
            : new HttpRequestMessage(method, new Uri(_base, path)) { Content = new StringContent(encoded, Encoding.ASCII, "application/x-www-form-urlencoded") };
        request.Headers.Authorization = _authorization;
        request.Headers.Accept.ParseAdd("application/json");
        return SendAndDisposeRequestAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAndDisposeRequestAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await _httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
    }

    private ApiEnvelope<T> Interpret<T>(HttpResponseMessage response, byte[] body, string path)
    {
        var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        ApiEnvelope<T>? envelope = null;
        try
        {
            envelope = JsonSerializer.Deserialize<ApiEnvelope<T>>(body, PrometheusApi.Json);
        }
        catch (JsonException)
        {
            // Not the API's JSON (a proxy's HTML page, a wrong URL, a truncated body): described below by status.
        }

        if (envelope is { Status: "success" } && response.IsSuccessStatusCode)
        {
            return envelope;
        }

        if (envelope is { Status: "error" })
        {
            throw envelope.ErrorType switch
            {
                "bad_data" => Fail("bad_query", $"Prometheus rejected the query: {envelope.Error}"),
                "execution" => Fail("bad_query", $"Prometheus could not run the query: {envelope.Error}"),
                "timeout" or "canceled" => Fail("server_error", $"Prometheus gave up on the query ({envelope.ErrorType}): {envelope.Error}"),
                _ => Fail((int)response.StatusCode >= 500 ? "server_error" : "http_error", $"{Description} answered {status} ({envelope.ErrorType}): {envelope.Error}"),
            };
        }

        throw response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => Fail("http_error",
                $"{Description} refused the request ({status}); check {PrometheusOptions.Section}:BearerToken or Username/Password."),
            HttpStatusCode.NotFound => Fail("http_error",
                $"{Description} has no /{path} ({status}); {PrometheusOptions.Section}:Url must be the server's base address."),
            _ when (int)response.StatusCode >= 500 => Fail("server_error", $"{Description} failed: {status}{Excerpt(body)}."),
            _ => Fail("invalid_response",
                $"{Description} answered {status} with something that is not a Prometheus API response ({response.Content.Headers.ContentType?.MediaType ?? "no content type"}{Excerpt(body)})."),
        };
    }

    /// <summary>The start of a body that is not the API's JSON, on one line, as a hint of who answered.</summary>
    private static string Excerpt(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? "" : $": \"{(text.Length > 80 ? text[..80] + "…" : text)}\"";
    }

    private MetricQueryException Fail(string outcome, string message, Exception? inner = null)
    {
        Queries.WithLabels(outcome).Inc();
        // A mistyped query is the user's to fix, not an operational problem.
        LogFailed(outcome == "bad_query" ? LogLevel.Information : LogLevel.Warning, outcome, message);
        return new MetricQueryException(message, inner) { IsInvalidQuery = outcome == "bad_query" };
    }

    [LoggerMessage(Message = "Prometheus query failed ({Outcome}): {Error}")]
    private partial void LogFailed(LogLevel level, string outcome, string error);
}
