using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Data;
using OpsConsole.Core.Demo;
using OpsConsole.Core.Storage;
using OpsConsole.Web.Api;
using OpsConsole.Web.Components;
using OpsConsole.Web.Features.Alerts;
using OpsConsole.Web.Features.Audit;
using OpsConsole.Web.Features.Backups;
using OpsConsole.Web.Features.Board;
using OpsConsole.Web.Features.Identity;
using OpsConsole.Web.Features.Identity.Account;
using OpsConsole.Web.Features.Keys;
using OpsConsole.Web.Features.Live;
using OpsConsole.Web.Features.Metrics;
using OpsConsole.Web.Features.Migrations;
using OpsConsole.Web.Features.Operations;
using OpsConsole.Web.Features.Restores;
using OpsConsole.Web.Features.SystemStatus;
using OpsConsole.Web.Features.Wall;
using Prometheus;

namespace OpsConsole.Web.Hosting;

/// <summary>
/// Builds the console host: configuration from the repository root, the database (embedded or external),
/// then one Add* call per capability. Program.cs and the integration tests both start the console through here.
/// </summary>
public sealed class ConsoleApp : IAsyncDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private ConsoleApp(WebApplication app, ConsoleDatabaseConnection database)
    {
        App = app;
        Database = database;
    }

    public WebApplication App { get; }

    public ConsoleDatabaseConnection Database { get; }

    public static async Task<ConsoleApp> CreateAsync(
        string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = CreateBuilder(args);
        configure?.Invoke(builder);

        var dataDirectory = ResolveDataDirectory(builder.Configuration, builder.Environment.ContentRootPath);
        using var bootLoggers = BootLoggerFactory(builder.Configuration);
        var database = await ConsoleDatabaseConnection.ResolveAsync(
            builder.Configuration, dataDirectory, attachToRunning: false, bootLoggers.CreateLogger("OpsConsole.Hosting"), cancellationToken);
        try
        {
            builder.AddConsoleHost(dataDirectory, database.Connections, database.Embedded?.ConnectionString);
            var app = builder.Build();
            app.UseConsolePipeline();
            return new ConsoleApp(app, database);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var contentRoot = ContentRoot.Resolve(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = contentRoot,
            WebRootPath = Path.Combine(contentRoot, "wwwroot"),
            // Static web asset manifests (MudBlazor, blazor.web.js) are found by application name, also under a test host.
            ApplicationName = typeof(ConsoleApp).Assembly.GetName().Name,
        });
        builder.WebHost.UseStaticWebAssets();
        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl); // ASPNETCORE_URLS / --urls override this
        }

        return builder;
    }

    public static string ResolveDataDirectory(IConfiguration configuration, string contentRoot)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var path = storage.ResolveDataDirectory(contentRoot);
        Directory.CreateDirectory(path);
        return path;
    }

    internal static ILoggerFactory BootLoggerFactory(IConfiguration configuration, LogLevel? minimum = null) =>
        LoggerFactory.Create(logging =>
        {
            logging.AddConfiguration(configuration.GetSection("Logging")).AddConsole();
            if (minimum is { } level)
            {
                logging.SetMinimumLevel(level).AddFilter((_, _, l) => l >= level);
            }
        });

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Database.DisposeAsync(); // after the app: hosted services may still use the database while stopping
    }
}

public static class ConsoleHostExtensions
{
    /// <summary>
    /// One call per capability, in the order the rules below need; the Web slices check theirs and throw naming the
    /// call that must come first (<see cref="RegistrationOrder"/>).
    /// </summary>
    /// <param name="embeddedAdminConnectionString">The embedded cluster's superuser (the demo creates SampleShop's database with it); null with an external database.</param>
    public static WebApplicationBuilder AddConsoleHost(
        this WebApplicationBuilder builder, string dataDirectory, ConsoleConnectionStrings connections, string? embeddedAdminConnectionString = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConsoleShell(); // first: observability configures the process-wide metrics registry before anything registers metrics
        builder.AddConsoleData(connections);
        builder.AddIdentityWeb(dataDirectory);
        builder.AddAuditWeb(dataDirectory);
        builder.AddLiveWeb(connections);
        builder.AddSystemStatusWeb();
        builder.AddOperationsWeb();
        builder.AddDemoPlatform(dataDirectory, embeddedAdminConnectionString); // before Metrics and Alerts: it adds the sampleshop target and rule file
        builder.AddBackupsWeb(dataDirectory); // after the demo (its managed databases), before Alerts (the backup rule file)
        builder.AddRestoresWeb();
        builder.AddMigrationsWeb();
        builder.AddKeysWeb(); // after Live: the JWKS of every instance follows keys.changed
        builder.AddMetricsWeb();
        builder.AddAlertsWeb(); // after Metrics: the console's rule engine evaluates over its metric store
        builder.AddWallWeb();
        builder.AddBoardWeb(); // after Metrics and Alerts: the board reads their stores
        builder.AddConsoleHttp();
        return builder;
    }

    /// <summary>
    /// First of all: the data directory's options, the shutdown timeout and observability, which configures the
    /// process-wide metrics registry before anything registers metrics (every Web slice checks it ran).
    /// </summary>
    public static WebApplicationBuilder AddConsoleShell(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Open circuits hold WebSockets that otherwise delay Ctrl+C by up to 30 s; browsers reconnect on their own.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("Hosting:ShutdownTimeout", TimeSpan.FromSeconds(5)));
        builder.AddConsoleObservability();
        return builder;
    }

    /// <summary>
    /// What every request and page goes through: rate and Kestrel limits, problem details and the exception handler,
    /// OpenAPI, and the Razor components with MudBlazor.
    /// </summary>
    public static WebApplicationBuilder AddConsoleHttp(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddConsoleSecurity();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddExceptionHandler<ConsoleExceptionHandler>();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServicesForConsole();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<Shared.ViewerTime>(); // one per circuit: the browser's time zone
        return builder;
    }

    public static WebApplication UseConsolePipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandlingPath = "/error",
            CreateScopeForErrors = true,
            StatusCodeSelector = ConsoleExceptionHandler.StatusFor,
        });
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts(); // only ever sent over HTTPS
        }

        app.UseMiddleware<CorrelationIdMiddleware>();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            // Friendly status pages are for people loading pages; API, hub, health and form posts keep their bare status.
            if (!HttpMethods.IsGet(context.Request.Method) || ConsoleAuthentication.IsNonBrowserPath(context.Request.Path)
                || context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase))
            {
                context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
            }

            return next(context);
        });
        app.UseStaticFiles();
        app.UseRouting();
        // After routing (route values are known), before authentication: a denial's audit record names the path.
        app.UseMiddleware<StorableTextMiddleware>();
        // Circuits and hub connections are held open for hours (a wall display for days): counted as requests they made
        // the console's own p95 latency minutes long and its tile critical. Their health shows in the live metrics.
        app.UseWhen(context => !IsLongLivedConnection(context.Request.Path), branch => branch.UseHttpMetrics());
        app.UseAuthentication();
        app.UseMiddleware<PasswordChangeGateMiddleware>();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapConsoleHealth();
        app.MapMetrics("/metrics");
        app.MapKeys(); // the public JWKS documents, anonymous and outside /api/v1
        app.MapAccountEndpoints();
        app.MapConsoleApi();
        app.MapOpenApi().AllowAnonymous(); // /openapi/v1.json: the API's contract is public, its operations are not
        app.MapLive();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>Blazor circuits and the live hub (WebSocket, SSE or long polling, and their negotiation).</summary>
    internal static bool IsLongLivedConnection(PathString path) =>
        path.StartsWithSegments("/_blazor", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(LiveHub.Path, StringComparison.OrdinalIgnoreCase);
}
