using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts;

/// <summary>
/// Outward notifications to a real HTTP listener (a Kestrel app on a free port) that fails its first call: retried,
/// delivered once with Alertmanager's version-4 payload, logged; silenced alerts are left out.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AlertNotifierTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private readonly Receiver _receiver = new();

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        await _receiver.StartAsync();
        return await TestConsole.StartAsync(Postgres.SharedConnectionString, new Dictionary<string, string?>
        {
            ["Alerts:Receivers:0:Name"] = "hooks",
            ["Alerts:Receivers:0:Url"] = $"{_receiver.Address}hook",
            ["Alerts:Receivers:0:BearerToken"] = "receiver-secret",
            ["Alerts:Receivers:0:Matchers:0"] = "team=\"shop\"",
            ["Alerts:Receivers:0:GroupBy:0"] = "alertname",
            ["Alerts:Receivers:0:GroupWait"] = "00:00:00",
            ["Alerts:Notify:RetryDelay"] = "00:00:00.050",
            ["Alerts:Notify:MaxAttempts"] = "3",
            ["Alerts:ExternalUrl"] = "http://console.example",
        });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task A_firing_alert_is_sent_as_Alertmanager_would_retried_after_a_500_and_logged_and_its_resolve_follows()
    {
        _receiver.FailNext = 1;
        var activeAt = AlertTesting.Start;
        var alert = AlertTesting.Rule("CheckoutErrors", AlertState.Firing, activeAt, ("team", "shop"), ("instance", "a:80"));
        await Console.ReportAsync(alert, AlertTesting.Rule("NotRouted", AlertState.Firing, activeAt, ("team", "db")));

        var delivered = await WaitForDeliveryAsync(1);
        Assert.Equal(2, _receiver.Calls); // the 500, then the retry that succeeded
        Assert.Equal(("delivered", 2, 200, "firing", 1), (delivered.Status, delivered.Attempts, delivered.HttpStatus, delivered.PayloadStatus, delivered.AlertCount));
        var payload = _receiver.Bodies.Last();
        Assert.Equal("Bearer receiver-secret", _receiver.Authorizations.Last());
        Assert.Equal(("4", "firing", "hooks", "http://console.example"),
            (payload.GetProperty("version").GetString(), payload.GetProperty("status").GetString(), payload.GetProperty("receiver").GetString(), payload.GetProperty("externalURL").GetString()));
        Assert.Equal("{}/{team=\"shop\"}:{alertname=\"CheckoutErrors\"}", payload.GetProperty("groupKey").GetString());
        Assert.Equal("CheckoutErrors", payload.GetProperty("groupLabels").GetProperty("alertname").GetString());
        var sent = Assert.Single(payload.GetProperty("alerts").EnumerateArray());
        Assert.Equal(alert.Fingerprint, sent.GetProperty("fingerprint").GetString());
        Assert.Equal("a:80", sent.GetProperty("labels").GetProperty("instance").GetString());
        Assert.Equal("0001-01-01T00:00:00Z", sent.GetProperty("endsAt").GetString());
        Assert.Equal(activeAt, sent.GetProperty("startsAt").GetDateTimeOffset());
        Assert.DoesNotContain(_receiver.Bodies, b => b.GetRawText().Contains("NotRouted", StringComparison.Ordinal));

        await Console.ReportAsync(alert with { State = AlertState.Resolved, ResolvedAt = activeAt.AddMinutes(3) });
        var resolved = await WaitForDeliveryAsync(2);
        Assert.Equal(("delivered", "resolved"), (resolved.Status, resolved.PayloadStatus));
        Assert.Equal("resolved", _receiver.Bodies.Last().GetProperty("alerts")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_silenced_alert_is_left_out_of_its_groups_notification()
    {
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SilenceService>().CreateAsync(TestPrincipals.Of("sam", ConsoleRoles.Sre),
                new SilenceRequest([new SilenceMatcher("instance", "=", "silenced:80")], null, null, TimeSpan.FromHours(1), "maintenance of one instance"));
        }

        var activeAt = AlertTesting.Start;
        await Console.ReportAsync(AlertTesting.Rule("CheckoutLatency", AlertState.Firing, activeAt, ("team", "shop"), ("instance", "silenced:80")));
        await Console.ReportAsync(AlertTesting.Rule("CheckoutLatency", AlertState.Firing, activeAt, ("team", "shop"), ("instance", "loud:80")));

        var delivered = await WaitForDeliveryAsync(1);
        Assert.Equal(1, delivered.AlertCount);
        var instances = _receiver.Bodies.SelectMany(b => b.GetProperty("alerts").EnumerateArray()).Select(a => a.GetProperty("labels").GetProperty("instance").GetString()).ToList();
        Assert.Contains("loud:80", instances);
        Assert.DoesNotContain("silenced:80", instances);
    }

    private async Task<AlertDelivery> WaitForDeliveryAsync(int count)
    {
        IReadOnlyList<AlertDelivery> items = [];
        await AlertTesting.WaitUntilAsync(async () =>
        {
            await using var scope = Console.Services.CreateAsyncScope();
            items = (await scope.ServiceProvider.GetRequiredService<AlertService>().DeliveriesAsync(TestPrincipals.Of("reader", ConsoleRoles.Viewer))).Items
                .Where(d => d.Status is not (AlertNotificationStatus.Pending or AlertNotificationStatus.Sending)).ToList();
            return items.Count >= count;
        }, $"{count} completed deliveries");
        return items[0];
    }

    /// <summary>A webhook receiver: records every call; answers 500 to the first <see cref="FailNext"/> calls.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly ConcurrentQueue<JsonElement> _bodies = new();
        private readonly ConcurrentQueue<string> _authorizations = new();
        private WebApplication? _app;
        private int _calls;

        public int FailNext { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public IReadOnlyList<JsonElement> Bodies => [.. _bodies];

        public IReadOnlyList<string> Authorizations => [.. _authorizations];

        public Uri Address { get; private set; } = default!;

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.MapPost("/hook", async (HttpContext http) =>
            {
                using var document = await JsonDocument.ParseAsync(http.Request.Body);
                var call = Interlocked.Increment(ref _calls);
                if (call <= FailNext)
                {
                    return Results.StatusCode(StatusCodes.Status500InternalServerError);
                }

                _bodies.Enqueue(document.RootElement.Clone());
                _authorizations.Enqueue(http.Request.Headers.Authorization.ToString());
                return Results.Ok();
            });
            await _app.StartAsync();
            Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single() + "/");
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
