namespace OpsConsole.Core.Operations;

/// <summary>How important a log line of an operation is (the detail page colours and filters by it).</summary>
public enum OperationLogLevel
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// What a running operation's steps see: its id and target, the token that fires on cancel (or shutdown), and where
/// to report. Log lines and progress are stored and streamed live to every viewer by the operation layer; a step
/// never writes them to the database itself.
/// </summary>
public interface IOperationContext
{
    Guid OperationId { get; }

    /// <summary>The target the operation holds the lock of, e.g. "database:sampleshop".</summary>
    string Target { get; }

    /// <summary>Fires when someone cancels a cancellable operation, or the console shuts down.</summary>
    CancellationToken Cancellation { get; }

    void Log(string line, OperationLogLevel level = OperationLogLevel.Info);

    /// <summary>Where the operation is: <paramref name="fraction"/> in 0..1 (null: unknown) and the step's words.</summary>
    void Progress(double? fraction, string step);
}
