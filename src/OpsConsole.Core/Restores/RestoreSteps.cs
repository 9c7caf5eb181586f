using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Restores;

/// <summary>
/// The numbered steps of a restore, so every viewer (the banner, the wall, the detail page) reads the same
/// "step 3 of 6": each step's progress maps into its share of the whole and its words start with the step number.
/// </summary>
public sealed class RestoreSteps(IOperationContext inner, IReadOnlyList<string> names)
{
    private int _current;

    public int Count => names.Count;

    /// <summary>Moves to step <paramref name="number"/> (1-based) and returns a context whose progress lands inside it.</summary>
    public IOperationContext Enter(int number)
    {
        _current = number;
        inner.Progress((double)(number - 1) / names.Count, Words(number, names[number - 1]));
        inner.Log($"step {number} of {names.Count}: {names[number - 1]}");
        return new StepContext(inner, number, names.Count);
    }

    public static string Words(int number, int count, string what) => $"step {number} of {count}: {what}";

    private string Words(int number, string what) => Words(number, names.Count, what);

    public int Current => _current;

    private sealed class StepContext(IOperationContext inner, int number, int count) : IOperationContext
    {
        public Guid OperationId => inner.OperationId;

        public string Target => inner.Target;

        public CancellationToken Cancellation => inner.Cancellation;

        public void Log(string line, OperationLogLevel level = OperationLogLevel.Info) => inner.Log(line, level);

        public void Progress(double? fraction, string step) =>
            inner.Progress(fraction is { } f ? (number - 1 + Math.Clamp(f, 0, 1)) / count : null, RestoreSteps.Words(number, count, step));
    }
}

/// <summary>
/// A step that runs between "restored and checked" and "swapped", on the restored database before anyone uses it: the
/// place later capabilities hook in (the GDPR erasure log re-applies recorded erasures here). Throwing fails the
/// restore with the original untouched.
/// </summary>
public interface IRestoreCheckpoint
{
    /// <summary>Words for the log ("re-applying 3 recorded erasures").</summary>
    string Name { get; }

    /// <param name="database">The managed database's name in the console.</param>
    /// <param name="restoredConnectionString">A connection string to the restored database (not yet live).</param>
    Task RunAsync(string database, string restoredConnectionString, IOperationContext context);
}
