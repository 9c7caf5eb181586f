using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Live;
using OpsConsole.Core.Metrics.Scraping;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Tests.Metrics.Scraping;

/// <summary>A gate holds a target's first scrape (and only that one), and the Targets page says why it waits.</summary>
public sealed class FirstScrapeGateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_first_scrape_waits_for_the_gate_and_the_target_says_why_meanwhile()
    {
        var gate = new Gate("shop");
        var handler = new CountingHandler();
        var options = Options.Create(new MetricsOptions
        {
            ScrapeInterval = TimeSpan.FromMilliseconds(200),
            Targets = [new ScrapeTarget { Name = "shop", Url = "http://shop.test/metrics" }, new ScrapeTarget { Name = "other", Url = "http://other.test/metrics" }],
        });
        var store = new MetricStore(new MetricStoreOptions { ScrapeInterval = TimeSpan.FromMilliseconds(200) });
        using var scraper = new ScrapeService(options, store, new Clients(handler), new LiveEventBus(), TimeProvider.System, NullLogger<ScrapeService>.Instance, [gate]);

        await scraper.StartAsync(CancellationToken.None);
        try
        {
            // The other target is scraped on its interval while shop waits, without a single request to shop.
            await UntilAsync(() => handler.Requests("other.test") >= 3);
            Assert.Equal(0, handler.Requests("shop.test"));
            var waiting = scraper.Targets.Single(t => t.Name == "shop");
            Assert.Equal((false, "waiting for shop to listen", 0L, 0L), (waiting.Up, waiting.LastError, waiting.Scrapes, waiting.Failures));

            gate.Open();

            await UntilAsync(() => scraper.Targets.Single(t => t.Name == "shop").Up);
            Assert.Equal(0, scraper.Targets.Single(t => t.Name == "shop").Failures);
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
        }
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private sealed class Gate(string target) : IFirstScrapeGate
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public string? Holds(string name) => name == target && !_open.Task.IsCompleted ? $"waiting for {target} to listen" : null;

        public Task WaitAsync(string name, CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);
    }

    private sealed class CountingHandler : HttpMessageHandler
    {
        private readonly Dictionary<string, int> _requests = [];

        public int Requests(string host)
        {
            lock (_requests)
            {
                return _requests.GetValueOrDefault(host);
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_requests)
            {
                _requests[request.RequestUri!.Host] = _requests.GetValueOrDefault(request.RequestUri.Host) + 1;
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("requests_total 1\n", Encoding.UTF8, "text/plain") });
        }
    }

    private sealed class Clients(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
