namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>A test class with a fresh console on the shared, reset database (ContosoUniversity style: reset, not recreate).</summary>
public abstract class ConsoleTest(PostgresFixture postgres) : IAsyncLifetime
{
    protected PostgresFixture Postgres { get; } = postgres;

    protected TestConsole Console { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Postgres.ResetSharedDatabaseAsync();
        Console = await StartConsoleAsync();
        await Console.WaitForReadinessAsync();
    }

    public virtual async Task DisposeAsync() => await Console.DisposeAsync();

    /// <summary>Override to start the console with other settings or services.</summary>
    protected virtual Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString);

    /// <summary>Replaces the console (e.g. to start from an empty database after a reset).</summary>
    protected async Task RestartConsoleAsync()
    {
        await Console.DisposeAsync();
        await Postgres.ResetSharedDatabaseAsync();
        Console = await StartConsoleAsync();
        await Console.WaitForReadinessAsync();
    }
}
