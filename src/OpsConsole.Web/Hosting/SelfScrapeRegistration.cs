using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpsConsole.Core.Metrics.Scraping;

namespace OpsConsole.Web.Hosting;

/// <summary>
/// Adds the console's own /metrics as the scrape target "opsconsole" once the server knows its address (the port may be
/// chosen at start), unless <c>Metrics:ScrapeSelf</c> is false.
/// </summary>
public sealed partial class SelfScrapeRegistration(
    IServer server,
    IHostApplicationLifetime lifetime,
    ScrapeService scraper,
    IConfiguration configuration,
    ILogger<SelfScrapeRegistration> logger) : IHostedService
{
    public const string TargetName = "opsconsole";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (configuration.GetValue("Metrics:ScrapeSelf", true))
        {
            lifetime.ApplicationStarted.Register(Register);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The first http(s) address's /metrics as a loopback URL (<see cref="LoopbackBase"/>).</summary>
    public static string? MetricsUrl(IEnumerable<string> addresses) =>
        LoopbackBase(addresses) is { } root ? new Uri(root, "/metrics").ToString() : null;

    /// <summary>The first http(s) address as a loopback URL: wildcard hosts (0.0.0.0, [::], +, *) are reachable on 127.0.0.1.</summary>
    public static Uri? LoopbackBase(IEnumerable<string> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var ordered = addresses.OrderBy(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 1 : 0);
        foreach (var address in ordered)
        {
            var normalized = address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                continue;
            }

            var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : uri.Host;
            return new UriBuilder(uri.Scheme, host, uri.Port, "/").Uri;
        }

        return null;
    }

    private void Register()
    {
        var url = MetricsUrl(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
        if (url is null)
        {
            LogNoAddress();
            return;
        }

        if (scraper.AddTarget(new ScrapeTarget { Name = TargetName, Url = url, Labels = new() { ["role"] = "console" } }))
        {
            LogRegistered(url);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scraping the console's own metrics at {Url} as target \"opsconsole\"")]
    private partial void LogRegistered(string url);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console's own /metrics is not scraped: the server reported no http address")]
    private partial void LogNoAddress();
}

/// <summary>This instance's loopback address from the server's bound addresses (known once Kestrel listens).</summary>
public sealed class ServerLocalAddress(IServer server) : OpsConsole.Core.Hosting.ILocalAddress
{
    public Uri? BaseAddress => SelfScrapeRegistration.LoopbackBase(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);
}
