using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Metrics.RemotePrometheus;

namespace OpsConsole.Core.Tests.Metrics.RemotePrometheus;

/// <summary>A request as the stub saw it (the message itself is disposed after sending).</summary>
internal sealed record SeenRequest(HttpMethod Method, Uri Uri, string? Body, string? ContentType, string? Authorization)
{
    /// <summary>The form parameters, from the query string (GET) or the body (POST).</summary>
    public Dictionary<string, string> Parameters =>
        (Method == HttpMethod.Get ? Uri.Query.TrimStart('?') : Body ?? "")
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => WebUtility.UrlDecode(p[0]), p => WebUtility.UrlDecode(p.Length > 1 ? p[1] : ""));
}

/// <summary>
/// Canned Prometheus answers through a stub HttpMessageHandler: Prometheus is an outside system, so the unit level
/// pins our side of its documented API; the integration tests run a real server.
/// </summary>
internal sealed class StubPrometheus : HttpMessageHandler, IHttpClientFactory
{
    private readonly Func<SeenRequest, CancellationToken, Task<HttpResponseMessage>> _answer;

    public StubPrometheus(Func<SeenRequest, CancellationToken, Task<HttpResponseMessage>> answer) => _answer = answer;

    public StubPrometheus(HttpStatusCode status, string body, string contentType = "application/json")
        : this((_, _) => Task.FromResult(Response(status, body, contentType)))
    {
    }

    public List<SeenRequest> Requests { get; } = [];

    public static HttpResponseMessage Response(HttpStatusCode status, string body, string contentType = "application/json") =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

    public PrometheusBackend Backend(Action<PrometheusOptions>? configure = null)
    {
        var options = new PrometheusOptions { Url = "http://prometheus.test:9090" };
        configure?.Invoke(options);
        return new PrometheusBackend(this, Options.Create(options), TimeProvider.System, NullLogger<PrometheusBackend>.Instance);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var seen = new SeenRequest(request.Method, request.RequestUri!, body, request.Content?.Headers.ContentType?.MediaType, request.Headers.Authorization?.ToString());
        lock (Requests)
        {
            Requests.Add(seen);
        }

        return await _answer(seen, cancellationToken);
    }
}
