import { Img } from '@react-email/img';
import type { ImageView } from '../../src/issue/view';
import { picture } from '../theme';

/** A picture with its text alternative and its size (so nothing jumps as it loads, and Outlook draws it at that width). */
export function Picture({ image, radius }: { image: ImageView; radius?: string }) {
  return (
    <Img
      src={image.src}
      alt={image.alt}
      width={String(image.width)}
      height={image.height === undefined ? undefined : String(image.height)}
      style={{ ...picture(image.width), ...(radius ? { borderRadius: radius } : {}) }}
    />
  );
}
