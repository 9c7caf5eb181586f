namespace OpsConsole.Core.Operations;

/// <summary>
/// The numbered steps of an operation (a restore, a migration apply), so every viewer (the banner, the wall, the detail
/// page) reads the same "step 3 of 6": each step's progress maps into its share of the whole and its words start with
/// the step number.
/// </summary>
public sealed class OperationSteps(IOperationContext inner, IReadOnlyList<string> names)
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
            inner.Progress(fraction is { } f ? (number - 1 + Math.Clamp(f, 0, 1)) / count : null, OperationSteps.Words(number, count, step));
    }
}
