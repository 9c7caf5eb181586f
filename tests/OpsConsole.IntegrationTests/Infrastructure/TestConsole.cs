using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.Web.Hosting;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>The real console host, in-process, listening on a free loopback port (real HTTP, real SignalR).</summary>
public sealed class TestConsole : IAsyncDisposable
{
    private readonly ConsoleApp _app;
    private readonly DirectoryInfo _dataDirectory;

    private TestConsole(ConsoleApp app, DirectoryInfo dataDirectory, Uri baseAddress)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.App.Services;

    public string DataDirectory => _dataDirectory.FullName;

    public static async Task<TestConsole> StartAsync(
        string connectionString, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("opsconsole-host-");
        // As in production: the console works as the unprivileged runtime role; the given (superuser) string migrates.
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Console"] = PostgresFixture.AsRuntimeRole(connectionString),
            ["ConnectionStrings:ConsoleOwner"] = connectionString,
            ["Storage:DataDirectory"] = dataDirectory.FullName,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:FormatterName"] = "simple",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = await ConsoleApp.CreateAsync(
            ["--urls", "http://127.0.0.1:0"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(configuration);
                services?.Invoke(builder.Services); // registered first, so the host's TryAdd defaults step aside
            });
        await app.App.StartAsync();
        var address = app.App.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new TestConsole(app, dataDirectory, new Uri(address));
    }

    public HttpClient CreateClient(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>Waits until /health/ready answers with the wanted status (condition wait with a timeout, no fixed sleep).</summary>
    public async Task WaitForReadinessAsync(HttpStatusCode expected = HttpStatusCode.OK, TimeSpan? timeout = null)
    {
        using var client = CreateClient();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        HttpStatusCode? last = null;
        while (!cts.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), cts.Token);
                last = response.StatusCode;
                if (last == expected)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                break;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        Assert.Fail($"/health/ready did not become {(int)expected} within the timeout (last: {(last is null ? "no answer" : ((int)last).ToString(System.Globalization.CultureInfo.InvariantCulture))})");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.App.StopAsync();
        await _app.DisposeAsync();
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp directory; harmless if a file is still open.
        }
    }
}
