using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Metrics.Exposition;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.RemotePrometheus;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.RemotePrometheus;

public sealed class PrometheusOptionsTests
{
    private static List<string> Errors(PrometheusOptions options) =>
        [.. options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!)];

    [Fact]
    public void No_url_is_valid_and_means_no_Prometheus()
    {
        var options = new PrometheusOptions();

        Assert.Empty(Errors(options));
        Assert.False(options.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
    }

    [Theory]
    [InlineData("prometheus:9090", "Metrics:Prometheus:Url must be an absolute http(s) URL (got \"prometheus:9090\").")]
    [InlineData("/prometheus", "Metrics:Prometheus:Url must be an absolute http(s) URL (got \"/prometheus\").")]
    [InlineData("ftp://prometheus", "Metrics:Prometheus:Url must be an absolute http(s) URL (got \"ftp://prometheus\").")]
    public void A_url_that_is_not_absolute_http_is_refused_with_the_key_named(string url, string message) =>
        Assert.Equal([message], Errors(new PrometheusOptions { Url = url }));

    [Fact]
    public void Timeout_auth_and_job_label_mistakes_are_named()
    {
        var options = new PrometheusOptions
        {
            Url = "http://prometheus:9090",
            Timeout = TimeSpan.Zero,
            BearerToken = "t",
            Username = "u",
            JobLabels = { ["shop"] = "web", ["shop-b"] = "web", ["db"] = " " },
        };

        Assert.Equal(
            [
                "Metrics:Prometheus:Timeout must be positive (got 00:00:00).",
                "Metrics:Prometheus:BearerToken and Metrics:Prometheus:Username cannot both be set; choose one way to authenticate.",
                "Metrics:Prometheus:JobLabels:db must name a Prometheus job.",
                "Metrics:Prometheus:JobLabels maps more than one target to the job \"web\".",
            ],
            Errors(options));
        Assert.Equal(["Metrics:Prometheus:Password needs Metrics:Prometheus:Username."], Errors(new PrometheusOptions { Password = "p" }));
    }

    [Fact]
    public async Task A_bad_setting_stops_the_host_at_start_with_the_key_named()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Metrics:Prometheus:Url"] = "prometheus:9090" });
        builder.AddPrometheusBackend();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Metrics:Prometheus:Url must be an absolute http(s) URL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("http://prometheus:9090/", true)]
    public void The_query_service_gets_a_remote_only_when_a_url_is_set(string? url, bool remote)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Metrics:Prometheus:Url"] = url });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddPrometheusBackend();
        builder.Services.AddSingleton(sp => new MetricQueryService(
            new MetricStore(new MetricStoreOptions()), TimeProvider.System, sp.GetService<IRemoteMetricBackend>()));
        using var host = builder.Build();

        var service = host.Services.GetRequiredService<MetricQueryService>();

        Assert.Equal(remote, service.HasRemote);
        Assert.Equal(remote ? "Prometheus at http://prometheus:9090" : null, service.RemoteDescription);
    }
}

/// <summary>MetricQueryService's routing with the real backend on a stub transport: which ranges go to Prometheus.</summary>
public sealed class PrometheusRoutingTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_795_399_980);

    private static (MetricQueryService Service, StubPrometheus Stub) Create()
    {
        var store = new MetricStore(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromSeconds(15), Retention = TimeSpan.FromHours(1) });
        store.Ingest("shop", new Dictionary<string, string> { ["job"] = "shop", ["instance"] = "a:1" }, Encoding.UTF8.GetBytes("up 1\n"), ExpositionFormat.PrometheusText, Now.AddMinutes(-1).ToUnixTimeMilliseconds());
        var stub = new StubPrometheus(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"matrix","result":[]}}""");
        return (new MetricQueryService(store, new FakeTimeProvider(Now), stub.Backend()), stub);
    }

    [Fact]
    public async Task A_range_the_store_covers_stays_local()
    {
        var (service, stub) = Create();

        var result = await service.QueryRangeAsync(new RangeQuery(SeriesSelector.Parse("up"), false, Now.AddMinutes(-30), Now, TimeSpan.FromMinutes(1)));

        Assert.Equal(QuerySource.Console, result.Source);
        Assert.Equal(1, result.Series.Single().Values[^1]);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task A_range_beyond_retention_and_a_preferred_remote_go_to_Prometheus()
    {
        var (service, stub) = Create();

        var old = await service.QueryRangeAsync(new RangeQuery(SeriesSelector.Parse("up"), false, Now.AddHours(-2), Now, TimeSpan.FromMinutes(1)));
        var preferred = await service.QueryRangeAsync(new RangeQuery(SeriesSelector.Parse("up"), true, Now.AddMinutes(-5), Now, TimeSpan.FromMinutes(1)), QueryRouting.PreferRemote);

        Assert.Equal(QuerySource.Prometheus, old.Source);
        Assert.Equal(QuerySource.Prometheus, preferred.Source);
        Assert.Equal(["up", "rate(up[75s])"], stub.Requests.Select(r => r.Parameters["query"]));
    }
}
