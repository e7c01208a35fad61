// A small set of radio buttons for how a view is shown (order, filter); the choice is the user's preference.
export function ViewChoice<V extends string>({
  legend,
  name,
  value,
  options,
  onChange,
}: {
  legend: string;
  name: string;
  value: V;
  options: { value: V; label: string }[];
  onChange: (value: V) => void;
}) {
  return (
    <fieldset className="wx-view-choice" data-testid={name}>
      <legend className="wx-view-choice__legend">{legend}</legend>
      {options.map((option) => (
        <label key={option.value} className="wx-view-choice__option">
          <input
            type="radio"
            name={name}
            value={option.value}
            checked={value === option.value}
            onChange={() => onChange(option.value)}
          />{' '}
          {option.label}
        </label>
      ))}
    </fieldset>
  );
}
