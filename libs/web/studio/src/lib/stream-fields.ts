import { FormControl, FormGroup, Validators, type AbstractControl } from '@angular/forms';

import {
  normalizeTags,
  STREAM_DESCRIPTION_MAX_LENGTH,
  STREAM_TITLE_MAX_LENGTH,
} from '@finserve/shared';

/** A stream's editable details as a form: title, description, category, tags (comma-separated). */
export type StreamFieldsGroup = FormGroup<{
  title: FormControl<string>;
  description: FormControl<string>;
  categorySlug: FormControl<string>;
  tags: FormControl<string>;
}>;

/** The tags typed ("EUR-USD, scalping") as the API takes them, or null when they break a rule. */
export function tagsOf(text: string): string[] | null {
  const result = normalizeTags(text.split(','));
  return 'tags' in result ? result.tags : null;
}

function tagsValidator(control: AbstractControl<string>): Record<string, true> | null {
  return tagsOf(control.value ?? '') ? null : { tags: true };
}

export function streamFieldsGroup(): StreamFieldsGroup {
  return new FormGroup({
    title: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.maxLength(STREAM_TITLE_MAX_LENGTH)],
    }),
    description: new FormControl('', {
      nonNullable: true,
      validators: [Validators.maxLength(STREAM_DESCRIPTION_MAX_LENGTH)],
    }),
    categorySlug: new FormControl('', { nonNullable: true }),
    tags: new FormControl('', { nonNullable: true, validators: [tagsValidator] }),
  });
}

/** The group's values as CreateStreamInput / UpdateStreamInput fields. */
export function streamFieldsValue(group: StreamFieldsGroup): {
  title: string;
  description: string | null;
  categorySlug: string | null;
  tags: string[];
} {
  const { title, description, categorySlug, tags } = group.getRawValue();
  return {
    title: title.trim(),
    description: description.trim() || null,
    categorySlug: categorySlug || null,
    tags: tagsOf(tags) ?? [],
  };
}

/**
 * `date` (yyyy-mm-dd) and `time` (hh:mm) read in the browser's time zone, as an ISO instant; null
 * when either is missing or invalid.
 */
export function localDateTime(date: string, time: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const at = new Date(`${date}T${time}`);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** An instant as the `date` and `time` inputs show it in the browser's time zone. */
export function dateAndTimeOf(iso: string): { date: string; time: string } {
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`,
    time: `${pad(at.getHours())}:${pad(at.getMinutes())}`,
  };
}

/** The browser's time zone, e.g. "Europe/Paris": shown next to the date and time inputs. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
