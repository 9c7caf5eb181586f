using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace OpsConsole.Core.Data;

/// <summary>
/// Brings the database to the current schema and runs the capabilities' seeders (<see cref="IDatabaseSeeder"/>, e.g. roles and the bootstrap admin). Runs beside the web
/// server (which answers /health/ready with 503 meanwhile) and retries while the database is unreachable.
/// </summary>
public sealed partial class DatabaseStartupService(
    DatabaseMigrator migrator,
    IServiceScopeFactory scopes,
    DatabaseState state,
    ILogger<DatabaseStartupService> logger) : BackgroundService
{
    /// <summary>How long the host's start waits for the first migration attempt (see <see cref="StartAsync"/>).</summary>
    public static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once migrations and seeding are done (for callers that must not race them).</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Holds the host's start until the first migration attempt ends (at most <see cref="StartWait"/>), so the services
    /// started after this one (Data Protection's key-ring warm-up, the audit writer) do not meet a schema still being
    /// created: at a first start they logged errors for it. A database that is down holds the start no longer than one
    /// failed attempt.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        await Task.WhenAny(_firstAttempt.Task, Task.Delay(StartWait, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(10),
                MaxRetryAttempts = int.MaxValue,
                OnRetry = args =>
                {
                    var message = args.Outcome.Exception?.GetBaseException().Message ?? "unknown error";
                    state.MarkFailed(message);
                    _firstAttempt.TrySetResult();
                    LogRetry(message, args.RetryDelay.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        try
        {
            await pipeline.ExecuteAsync(async ct =>
            {
                await migrator.MigrateAsync(ct, SeedAsync);
                state.MarkMigrated(); // ready only once the schema is current and the first account can sign in
            }, stoppingToken);
            _ready.TrySetResult();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _ready.TrySetCanceled(stoppingToken);
        }
        finally
        {
            _firstAttempt.TrySetResult();
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        foreach (var seeder in scope.ServiceProvider.GetServices<IDatabaseSeeder>())
        {
            await seeder.SeedAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not ready ({Error}); retrying in {DelaySeconds:0.0} s")]
    private partial void LogRetry(string error, double delaySeconds);
}
