/** Number formatting shared by the CLI's progress line and tables. */
export const percent = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '—' : `${(value * 100).toFixed(1)}%`);
export const decimal = (value: number | undefined, digits = 3): string => (value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits));
export const integer = (value: number): string => Math.round(value).toLocaleString('en-US');
