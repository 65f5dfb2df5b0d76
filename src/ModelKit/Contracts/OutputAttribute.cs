namespace ModelKit;

/// <summary>
/// Marks a method parameter that receives the model's outputs instead of a returned value: the client writes into the
/// caller's pre-allocated memory (<see cref="Memory{T}"/>, an array, or an output type whose tensor members are pre-allocated),
/// so a steady-state call allocates nothing.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class OutputAttribute : Attribute;
