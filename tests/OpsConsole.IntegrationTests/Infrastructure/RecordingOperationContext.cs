using OpsConsole.Core.Operations;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// An <see cref="IOperationContext"/> for engine tests: keeps every log line and progress report, lets a test cancel,
/// and runs <see cref="OnLog"/> and <see cref="OnProgress"/> synchronously inside the report, so a test can act at an exact point of the work
/// (cancel, kill the tool, write rows) without sleeping.
/// </summary>
public sealed class RecordingOperationContext : IOperationContext, IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private readonly Lock gate = new();
    private readonly List<(string Line, OperationLogLevel Level)> lines = [];
    private readonly List<(double? Fraction, string Step)> progress = [];

    public Guid OperationId { get; } = Guid.NewGuid();

    public string Target { get; init; } = "database:test";

    public CancellationToken Cancellation => cancellation.Token;

    /// <summary>Called with each log line, on the logging thread, before the work goes on.</summary>
    public Action<string, OperationLogLevel>? OnLog { get; set; }

    /// <summary>Called with each progress report, on the reporting thread, before the work goes on.</summary>
    public Action<double?, string>? OnProgress { get; set; }

    public IReadOnlyList<(string Line, OperationLogLevel Level)> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
    }

    public IReadOnlyList<(double? Fraction, string Step)> Reports
    {
        get
        {
            lock (gate)
            {
                return [.. progress];
            }
        }
    }

    public void Log(string line, OperationLogLevel level = OperationLogLevel.Info)
    {
        lock (gate)
        {
            lines.Add((line, level));
        }

        OnLog?.Invoke(line, level);
    }

    public void Progress(double? fraction, string step)
    {
        lock (gate)
        {
            progress.Add((fraction, step));
        }

        OnProgress?.Invoke(fraction, step);
    }

    public void Cancel() => cancellation.Cancel();

    public void Dispose() => cancellation.Dispose();
}
