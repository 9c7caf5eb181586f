using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Hosting;

[Collection(PostgresCollection.Name)]
public sealed class FirstStartTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_first_start_on_an_empty_database_logs_no_errors()
    {
        // The services started after the migrator (Data Protection's key ring, the audit writer) once met a schema still
        // being created and logged "permission denied for schema console" as errors at every first start.
        var errors = new ErrorLog();
        var database = await postgres.CreateEmptyDatabaseAsync();
        await using var console = await TestConsole.StartAsync(database, services: s => s.AddSingleton<ILoggerProvider>(errors));
        await console.WaitForReadinessAsync();
        using var client = console.CreateClient();
        using var login = await client.GetAsync(new Uri("/account/login", UriKind.Relative)); // uses the key ring (antiforgery)
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);

        Assert.Empty(errors.Entries);
    }

    private sealed class ErrorLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
                }
            }
        }
    }
}
